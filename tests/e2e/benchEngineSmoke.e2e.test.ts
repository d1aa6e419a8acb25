import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describeWithProvider, engineEnv } from "../support/engine";

/**
 * The real-engine benchmark (`npm run bench:engine`) stays out of CI's timed path; CI runs it
 * at its smoke size (5 VMs, preview only, virtkit and raw) so that it keeps working. Its
 * figures are not judged here: bench/README.md has the measured ones.
 */
const root = join(__dirname, "..", "..");

describeWithProvider("npm run bench:engine -- --smoke", () => {
  it("previews the same 5 VMs as virtkit components and as raw provider resources, and says so", () => {
    const env = engineEnv();
    const r = spawnSync("node", [join(root, "bench", "engine.js"), "--smoke"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, ...(typeof env === "string" ? {} : env) },
      timeout: 5 * 60 * 1000,
    });
    const output = `${r.stdout}\n${r.stderr}`;
    expect([r.status, output.slice(-2000)]).toEqual([0, expect.any(String)]);
    // both variants ran and their ratio was reported
    expect(output).toMatch(/raw/);
    expect(output).toMatch(/virtkit/);
    expect(output).toMatch(/\d+\.\d+×/);
  }, 6 * 60 * 1000);
});
