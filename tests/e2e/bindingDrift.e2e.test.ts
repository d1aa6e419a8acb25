import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithProvider, engineEnv } from "../support/engine";

/**
 * sdks/libvirt is what scripts/gen-libvirt-sdk makes with Pulumi's own tools from the provider
 * binary scripts/engine builds: the SDK's sources and package.json, the .npmignore, and
 * schema.json (the attribute tree the tests read). Regenerated here into a temporary folder,
 * every file must be byte for byte the committed one; the failure names each file that differs,
 * is missing or is extra. Run `bash scripts/gen-libvirt-sdk` to bring the binding up to date.
 */
const repo = join(__dirname, "..", "..");
const committedDir = join(repo, "sdks", "libvirt");

/** Every file under dir by relative path, but the compiled bin/ and node_modules/ at its top. */
function tree(dir: string, rel = ""): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      if (rel === "" && (entry.name === "bin" || entry.name === "node_modules")) continue;
      for (const [k, v] of tree(dir, r)) files.set(k, v);
    } else {
      files.set(r, readFileSync(join(dir, r)));
    }
  }
  return files;
}

describeWithProvider("the committed binding is what scripts/gen-libvirt-sdk makes", () => {
  let scratch: string;
  let fresh: Map<string, Buffer>;

  beforeAll(() => {
    const env = engineEnv();
    if (typeof env === "string") throw new Error(env);
    scratch = mkdtempSync(join(tmpdir(), "binding-drift-"));
    const out = join(scratch, "libvirt");
    const r = spawnSync("bash", [join(repo, "scripts", "gen-libvirt-sdk"), "--out", out], {
      cwd: repo,
      // its own scratch folder under ours, so the processes it started can be told from others
      env: { ...process.env, ...env, TMPDIR: scratch },
      encoding: "utf8",
      timeout: 10 * 60 * 1000,
    });
    if (r.status !== 0) throw new Error(`scripts/gen-libvirt-sdk exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
    fresh = tree(out);
  }, 10 * 60 * 1000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  // `pulumi package` commands leave the bridge they start running; the generator ends them
  it("leaves no engine process running", () => {
    const left: string[] = [];
    for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        if (readFileSync(`/proc/${pid}/environ`, "utf8").includes(`PULUMI_BACKEND_URL=file://${scratch}/`)) left.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")}`);
      } catch {
        continue; // ended while we looked
      }
    }
    expect(left).toEqual([]);
  });

  it("writes the tool's sources, package.json, .npmignore and schema.json", () => {
    for (const f of ["package.json", ".npmignore", "schema.json", "index.ts", "domain.ts", "types/input.ts", "utilities.ts", "scripts/postinstall.js"]) {
      expect({ f, made: fresh.has(f) }).toEqual({ f, made: true });
    }
    expect(existsSync(join(scratch, "libvirt", "bin"))).toBe(false);
  });

  it("matches sdks/libvirt file for file, byte for byte (run `bash scripts/gen-libvirt-sdk` if not)", () => {
    const committed = tree(committedDir);
    const drift = [
      ...[...fresh.keys()].filter((f) => !committed.has(f)).map((f) => `${f}: generated, not committed`),
      ...[...committed.keys()].filter((f) => !fresh.has(f)).map((f) => `${f}: committed, not generated`),
      ...[...fresh].filter(([f, content]) => committed.has(f) && !content.equals(committed.get(f)!)).map(([f]) => `${f}: differs`),
    ].sort();
    expect(drift).toEqual([]);
    expect(committed.size).toBeGreaterThan(20);
  });
});
