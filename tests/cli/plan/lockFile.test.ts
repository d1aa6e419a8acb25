import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../../sdk/src/cli/plan/planCommand";

const root = join(__dirname, "..", "..", "..");
const built = existsSync(join(root, "dist", "sdk", "src", "cli", "main.js"));

/**
 * The issue's program: db and web with pinning "auto" on the two-socket host, each 4 vCPUs on
 * 2 whole cores and 4 GiB of 1 GiB pages. `vms` is what the program declares, in order.
 */
function writeProgram(dir: string, vms: readonly (string | { name: string; vcpus: number })[]): void {
  const lines = vms.map((v) => (typeof v === "string" ? `vm("${v}", 4);` : `vm("${v.name}", ${v.vcpus});`));
  writeFileSync(
    join(dir, "index.ts"),
    `import * as virtkit from "virtkit";
import { TWO_SOCKET_SERVER } from "${join(root, "examples", "hosts")}";
const hv1 = new virtkit.LibvirtHost("hv1", { uri: "qemu:///system", ...virtkit.readHostFacts(TWO_SOCKET_SERVER), reservedCpus: "0-1,32-33" });
const vm = (name: string, vcpus: number) => new virtkit.PinnedVm(name, {
  host: hv1, vcpus, cpu: { topology: { sockets: 1, cores: vcpus / 2, threads: 2 } }, pinning: "auto",
  memory: new virtkit.HugepageMemory(\`\${name}-mem\`, { size: "4GiB", pageSize: "1GiB" }),
});
${lines.join("\n")}
`,
  );
}

interface PlanDoc {
  valid: boolean;
  invalid?: { component: string; issues: { path: string; reason: string }[] };
  vms: { component: string; placement: unknown; lock: string; warnings: string[] }[];
  lock: { file: string; stack: string; written: boolean };
  changes: { sinceLock?: { resource: string; class: string; fields: string[] }[] };
}

// these programs sit under the checkout's Pulumi.yaml (project virtkit): a stack someone chose there
// with `pulumi stack select` would be plan's default stack, so plan sees an empty PULUMI_HOME
const pulumiHome = mkdtempSync(join(tmpdir(), "virtkit-lock-home-"));
afterAll(() => rmSync(pulumiHome, { recursive: true, force: true }));

function plan(dir: string, ...extra: string[]): { status: number | null; doc: PlanDoc } {
  const env = { ...process.env, PULUMI_HOME: pulumiHome };
  const r = spawnSync(process.execPath, [join(root, "bin", "virtkit"), "plan", dir, "--json", "--no-libvirt", "--no-xml", ...extra], { cwd: root, encoding: "utf8", timeout: 120000, env });
  if (!r.stdout.startsWith("{")) throw new Error(`virtkit plan printed no JSON: ${r.stdout}${r.stderr}`);
  return { status: r.status, doc: JSON.parse(r.stdout) };
}

const placementOf = (doc: PlanDoc, name: string) => JSON.stringify(doc.vms.find((v) => v.component === `PinnedVm "${name}"`)?.placement);
const outcomeOf = (doc: PlanDoc, name: string) => doc.vms.find((v) => v.component === `PinnedVm "${name}"`)?.lock;
const classOf = (doc: PlanDoc, name: string) => doc.changes.sinceLock?.find((c) => c.resource === `PinnedVm "${name}"`)?.class;

describe("virtkit plan's lock options", () => {
  it("take a stack, a lock file, no lock, a frozen lock and a stack export", () => {
    expect(parseArgs(["plan", "p", "--stack", "prod", "--lock", "l.json", "--frozen-lock", "--against", "s.json"])).toMatchObject({ stack: "prod", lock: "l.json", frozenLock: true, against: "s.json" });
    expect(parseArgs(["plan", "p", "--no-lock"])).toMatchObject({ noLock: true });
    expect(parseArgs(["plan", "p", "--no-lock", "--lock", "l.json"])).toMatch(/^--no-lock cannot go with --lock or --frozen-lock/);
  });
});

(built || process.env.CI ? describe : describe.skip)("virtkit plan --json with virtkit.lock.json (the issue's edits)", () => {
  mkdirSync(join(root, ".scratch"), { recursive: true });
  const dir = mkdtempSync(join(root, ".scratch", "lock-"));
  const lockFile = join(dir, "virtkit.lock.json");
  let first: PlanDoc;

  beforeAll(() => {
    writeProgram(dir, ["db", "web"]);
    first = plan(dir).doc;
  });

  it("writes the lock beside the program, for the stack, with both VMs placed afresh", () => {
    expect(first.lock).toEqual({ file: lockFile, stack: "dev", written: true });
    expect(first.vms.map((v) => v.lock)).toEqual(["new", "new"]);
    const lock = JSON.parse(readFileSync(lockFile, "utf8"));
    expect(Object.keys(lock.stacks.dev.hosts.hv1.vms)).toEqual(["db", "web"]);
    expect(first.changes.sinceLock).toBeUndefined(); // nothing to compare with yet
  });

  it("without the lock, declaring cache before db moves db and web (the issue as reported)", () => {
    writeProgram(dir, ["cache", "db", "web"]);
    const unlocked = plan(dir, "--no-lock").doc;
    expect(placementOf(unlocked, "db")).not.toBe(placementOf(first, "db"));
    expect(placementOf(unlocked, "web")).not.toBe(placementOf(first, "web"));
  });

  it.each([
    ["a new VM inserted before db", ["cache", "db", "web"]],
    ["a neighbour removed again", ["db", "web"]],
    ["the two reordered", ["web", "db"]],
    ["a neighbour inserted between them", ["db", "cache", "web"]],
    ["the neighbour renamed", ["db", "memcache", "web"]],
  ])("%s: db and web stay byte for byte where they were, unchanged", (_, vms) => {
    writeProgram(dir, vms);
    const { status, doc } = plan(dir);
    expect(status).toBe(0);
    for (const name of ["db", "web"]) {
      expect(placementOf(doc, name)).toBe(placementOf(first, name));
      expect(outcomeOf(doc, name)).toBe("kept");
      expect(classOf(doc, name)).toBe("unchanged");
    }
    expect(doc.vms.flatMap((v) => v.warnings)).toEqual([]);
  });

  it("a removed VM frees its share: its successor of the same size takes exactly its place", () => {
    writeProgram(dir, ["db", "web", "cache"]);
    const cache = plan(dir).doc;
    writeProgram(dir, ["db", "web", "search"]);
    const { doc } = plan(dir);
    expect(placementOf(doc, "search")).toBe(placementOf(cache, "cache"));
    expect(classOf(doc, "cache")).toBe("delete");
    expect(classOf(doc, "search")).toBe("create");
    expect(Object.keys(JSON.parse(readFileSync(lockFile, "utf8")).stacks.dev.hosts.hv1.vms)).toEqual(["db", "search", "web"]);
  });

  it("a grown VM that no longer fits its locked CPUs is re-placed with a warning naming it and why; the change restarts it", () => {
    writeProgram(dir, [{ name: "db", vcpus: 8 }, "web", "search"]);
    const { status, doc } = plan(dir);
    expect(status).toBe(0);
    expect(outcomeOf(doc, "db")).toBe("re-placed");
    expect(doc.vms[0].warnings[0]).toMatch(/^its locked placement no longer fits \(vcpus 4 → 8\); re-placed from host CPUs \S+ \(node \d\) to host CPUs \S+ \(node \d\)$/);
    expect(placementOf(doc, "web")).toBe(placementOf(first, "web"));
    expect(doc.changes.sinceLock?.find((c) => c.resource === 'PinnedVm "db"')).toMatchObject({ class: "restart", fields: expect.arrayContaining(["vcpu", "cpuTune.vcpuPins"]) });
  });

  it("--frozen-lock: exit 1 when the lock would change, and leaves it as it was", () => {
    const before = readFileSync(lockFile, "utf8");
    writeProgram(dir, [{ name: "db", vcpus: 8 }, "web", "search", "extra"]);
    const { status, doc } = plan(dir, "--frozen-lock");
    expect(status).toBe(1);
    expect(doc.lock).toMatchObject({ written: false, problem: expect.stringMatching(/would change, and --frozen-lock forbids writing it/) });
    expect(readFileSync(lockFile, "utf8")).toBe(before);
  });

  it("a corrupt lock file is an error naming the file and the entry, and is never rewritten", () => {
    const text = readFileSync(lockFile, "utf8").replace(/"hostCpus": ?\[(\d+)\]/, '"hostCpus":["$1"]');
    writeFileSync(lockFile, text);
    const { status, doc } = plan(dir);
    expect(status).toBe(1);
    expect(doc.valid).toBe(false);
    expect(doc.invalid!.component).toBe(`placement lock ${lockFile}`);
    expect(doc.invalid!.issues[0].path).toMatch(/^stacks\.dev\.hosts\.hv1\.vms\.\w+\.placement\.vcpus\[0\]\.hostCpus\[0\]$/);
    expect(doc.invalid!.issues[0].reason).toMatch(/expected number.*; fix the entry or delete it/);
    expect(readFileSync(lockFile, "utf8")).toBe(text);
  });
});
