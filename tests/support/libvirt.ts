import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DriverOffer, driverOffer, fitToDriver } from "../../sdk/src/cli/plan/qemuDriver";

/**
 * Real libvirt for tests. Locally a missing tool skips the suites that need it, with a
 * note; under CI (env CI set) it fails them, so a broken install can never pass as green.
 */

const inCi = !!process.env.CI;

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function qemuDaemonUp(): boolean {
  return hasCommand("virsh") && spawnSync("virsh", ["-c", "qemu:///system", "version"], { timeout: 20000 }).status === 0;
}

export const tools = {
  virtXmlValidate: hasCommand("virt-xml-validate"),
  virsh: hasCommand("virsh"),
  qemuImg: hasCommand("qemu-img"),
  qemuDaemon: qemuDaemonUp(),
  /** Debian's tgt: a userspace iSCSI target, served on loopback for the iSCSI disk tests. */
  tgtd: hasCommand("tgtd") && hasCommand("tgtadm"),
};

/**
 * `describe` when the tool is there; otherwise a suite that fails under CI and is
 * skipped (loudly) elsewhere.
 */
export function describeWith(tool: keyof typeof tools, name: string, body: () => void): void {
  if (tools[tool]) return describe(name, body);
  if (inCi) {
    describe(name, () => {
      it(`needs ${tool}, which is missing (CI must install and start it: see .ci/run)`, () => {
        throw new Error(`${tool} is not available`);
      });
    });
    return;
  }
   
  console.warn(`skipping "${name}": ${tool} is not available (run bash scripts/setup as root)`);
  describe.skip(name, body);
}

const scratchDirs: string[] = [];
process.on("exit", () => scratchDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temporary directory, removed when the test process exits. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-test-"));
  scratchDirs.push(dir);
  return dir;
}

export interface ValidateResult {
  ok: boolean;
  output: string;
}

/** `virt-xml-validate` against libvirt's RelaxNG schema of `kind` (domain, network, storagevol, storagepool). */
export function virtXmlValidate(xml: string, kind: "domain" | "network" | "storagevol" | "storagepool"): ValidateResult {
  const file = join(scratchDir(), `${kind}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync("virt-xml-validate", [file, kind], { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/**
 * Runs several virsh commands in one process on `uri`. The test driver keeps its state
 * per connection, so define/start/vcpupin must share one virsh invocation.
 */
export function virsh(uri: string, commands: string[]): string {
  return execFileSync("virsh", ["-q", "-c", uri, commands.join(" ; ")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A domain's vCPU pins as `virsh vcpupin` lists them, `[vcpu, cpuset]` each; `config`: its persistent definition. */
export function vcpuPins(uri: string, domain: string, config = false): [string, string][] {
  return [...virsh(uri, [`vcpupin ${config ? "--config " : ""}${domain}`]).matchAll(/^\s*(\d+)\s+(\S+)\s*$/gm)].map((m) => [m[1], m[2]]);
}

/** A started dir pool of the test's own, its files under `dir`. */
export function scratchPool(uri: string, name: string, dir: string): void {
  virsh(uri, [`pool-define-as ${name} dir --target ${dir}`, `pool-build ${name}`, `pool-start ${name}`]);
}

/** Stops and undefines a pool, whatever state a failed test left it in. */
export function removePool(uri: string, name: string): void {
  for (const c of [`pool-destroy ${name}`, `pool-undefine ${name}`]) spawnSync("virsh", ["-q", "-c", uri, c]);
}

/** Writes `xml` to a temp file and returns its path (for `define FILE` inside `virsh()`). */
export function tempXml(xml: string, name = "doc.xml"): string {
  const file = join(scratchDir(), name);
  writeFileSync(file, xml);
  return file;
}

let offer: DriverOffer | undefined;
/** What the local QEMU driver offers (`virsh capabilities`), read once. */
export function qemuOffer(): DriverOffer {
  return (offer ??= driverOffer(execFileSync("virsh", ["-c", "qemu:///system", "capabilities"], { encoding: "utf8" })));
}

/** Whether the local QEMU driver runs KVM guests (a machine with a usable `/dev/kvm`). */
export const hostHasKvm = (): boolean => qemuOffer().domainTypes.get("x86_64")?.includes("kvm") ?? false;

/**
 * `cmd args` run where this machine's KVM cannot be seen: in a private mount namespace with
 * `/dev/null` over `/dev/kvm` (where there is one), so QEMU's KVM probe fails as on a host
 * without it. Pair it with libvirt's in-process QEMU driver (`qemu:///embed?root=DIR`): the
 * system daemon was started outside the namespace and sees KVM all the same.
 */
export function withoutKvm(cmd: string, args: string[]): [string, string[]] {
  return ["unshare", ["--mount", "--", "sh", "-c", 'if [ -e /dev/kvm ]; then mount --bind /dev/null /dev/kvm || exit 97; fi; exec "$@"', "sh", cmd, ...args]];
}

/** Hugepage sizes (KiB) that have a hugetlbfs mount on this machine, which libvirt needs to back guest memory. */
export function mountedHugepageSizes(): number[] {
  const sizes = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .filter((line) => line.split(" ")[2] === "hugetlbfs")
    .map((line) => /pagesize=(\d+)([KMG])/.exec(line))
    .map((m) => (m ? Number(m[1]) * { K: 1, M: 1024, G: 1024 ** 2 }[m[2] as "K" | "M" | "G"] : 2048));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/**
 * The QEMU command line the real QEMU driver builds for a domain, split into arguments.
 * The domain is fitted to the driver the way `virtkit plan` does (a `kvm` domain is judged
 * as `qemu` where there is no KVM); `-accel` tells which one was built.
 */
export function qemuArgv(domainXml: string): string[] {
  const out = execFileSync("virsh", ["-c", "qemu:///system", "domxml-to-native", "qemu-argv", tempXml(fitToDriver(domainXml, qemuOffer()).xml)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return splitShellWords(out.trim());
}

/** Splits the shell-quoted argv libvirt prints ('{"json": ...}' objects are single-quoted). */
function splitShellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2]);
  return words;
}

/** Values of every `flag` in an argv: `-object` → its JSON objects parsed, others as strings. */
export function argValues(argv: string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && i + 1 < argv.length) out.push(argv[i + 1]);
  });
  return out;
}

export function jsonArgs(argv: string[], flag: string): Record<string, unknown>[] {
  return argValues(argv, flag)
    .filter((v) => v.startsWith("{"))
    .map((v) => JSON.parse(v) as Record<string, unknown>);
}
