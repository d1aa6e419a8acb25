import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { InputChecks } from "../../sdk/src/program/inputs";
import { VirtkitValidationError } from "../../sdk/src/errors";
import { isSecret, valueOf } from "../support/mocks";

/** What an Output settles to; the engine reports a failed one as the program's error. */
function settled(o: unknown): Promise<{ value?: unknown; error?: Error }> {
  const inner = o as { promise(): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources(): Promise<unknown> };
  for (const p of [inner.isKnown, inner.isSecret, inner.allResources()]) p.catch(() => undefined);
  return inner.promise().then((value) => ({ value }), (error: Error) => ({ error }));
}

const Mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, { message: "not a MAC" }).transform((m) => m.toUpperCase());

describe("inputs known now or later", () => {
  it("checks a plain value at once, collecting every problem for one error", () => {
    const checks = new InputChecks('PinnedVm "db"');
    expect(checks.check("52:54:00:00:00:01", Mac, "nics[0].mac")).toBe("52:54:00:00:00:01".toUpperCase());
    expect(checks.check("nope", Mac, "nics[1].mac")).toBeUndefined();
    checks.add("graphics", "another problem");
    expect(() => checks.throwIfAny()).toThrow(/PinnedVm "db": 2 problems\n  - nics\[1\].mac: not a MAC\n  - graphics: another problem/);
  });

  it("checks an Output when it resolves: the value parsed, or an error naming component and field", async () => {
    const checks = new InputChecks('PinnedVm "db"');
    const good = checks.check(pulumi.output("52:54:00:00:00:01"), Mac, "nics[0].mac") as pulumi.Output<string>;
    const bad = checks.check(Promise.resolve("nope"), Mac, "nics[1].mac");
    expect(checks.issues).toEqual([]);
    expect(await valueOf(good)).toBe("52:54:00:00:00:01".toUpperCase());
    const failed = await settled(bad);
    expect(failed.error).toBeInstanceOf(VirtkitValidationError);
    expect(failed.error!.message).toBe('PinnedVm "db": nics[1].mac: not a MAC');
  });

  it("keeps a secret a secret through the check", async () => {
    const checked = new InputChecks("x").check(pulumi.secret("52:54:00:00:00:01"), Mac, "mac") as pulumi.Output<string>;
    expect(await isSecret(checked)).toBe(true);
  });
});
