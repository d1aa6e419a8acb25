import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { hostHasKvm, removePool, scratchDir, scratchPool, vcpuPins, virsh } from "../support/libvirt";

/**
 * `pinning: "auto"` from this machine's own `virsh capabilities`, under the real engine and
 * provider 0.9.7: what virtkit placed is what libvirt pins. Then the one change class the
 * lifecycle suite only previews, applied: a new domain name replaces the domain (a new UUID)
 * and leaves its data volume, and the data on it, alone. The VM is defined, not started, so
 * the volume can be written and read by qemu-io around the replacement.
 */
const uri = "qemu:///system";
const tag = `vk-auto-${process.pid}`;
const STEP = 10 * 60 * 1000;
const PATTERN = "0x5a";

const program = (capabilities: string, domainName: string) => `import * as virtkit from "virtkit";
import { readFileSync } from "node:fs";

const host = new virtkit.LibvirtHost("local", { uri: "${uri}", capabilities: readFileSync("${capabilities}", "utf8") });
const data = new virtkit.Qcow2Volume("data", { host, pool: "${tag}", size: "8MiB", format: "raw", name: "${tag}-data.raw", allowReplace: true });
const vm = new virtkit.PinnedVm("vm", {
  host,
  vcpus: 2,
  domainType: "${hostHasKvm() ? "kvm" : "qemu"}",
  domainName: "${domainName}",
  pinning: "auto",
  memory: { size: "64MiB" },
  disks: [data],
  running: false,
});
export const placement = vm.placement;
export const uuid = vm.uuid;
export const dataPath = data.path;
`;

/** The vCPU pins of a domain's persistent definition, as vCPU -> cpuset. */
const configPins = (name: string) => Object.fromEntries(vcpuPins(uri, name, true).map(([vcpu, cpus]) => [Number(vcpu), cpus]));

describeWithProvider("pinning \"auto\" from the host's own capabilities, and a domain replaced, on the real engine", () => {
  const dir = scratchDir();
  let project: PulumiProject;
  const capabilities = join(dir, "capabilities.xml");

  beforeAll(() => {
    scratchPool(uri, tag, join(dir, "pool"));
    writeFileSync(capabilities, virsh(uri, ["capabilities"]));
    project = new PulumiProject("e2e-auto", { "index.ts": program(capabilities, tag) });
    project.init();
  }, STEP);

  afterAll(() => {
    project?.destroyAndRemove();
    for (const c of [`undefine ${tag}`, `undefine ${tag}-renamed`]) spawnSync("virsh", ["-q", "-c", uri, c]);
    removePool(uri, tag);
  }, STEP);

  it("up pins each vCPU where virtkit placed it", () => {
    project.ok("up", "--yes", "--skip-preview");
    const placement = project.outputs().placement as { vcpus: { vcpu: number; hostCpus: string }[] };
    expect(placement.vcpus).toHaveLength(2);
    expect(configPins(tag)).toEqual(Object.fromEntries(placement.vcpus.map((v) => [v.vcpu, v.hostCpus])));
    expect(virsh(uri, [`domstate ${tag}`]).trim()).toBe("shut off");
  }, STEP);

  it("a new domain name replaces the domain: a new UUID, the old one gone, the data volume and its data kept", () => {
    const before = project.outputs();
    execFileSync("qemu-io", ["-f", "raw", "-c", `write -P ${PATTERN} 0 1M`, String(before.dataPath)]);
    project.write({ "index.ts": program(capabilities, `${tag}-renamed`) });
    const steps = project.previewSteps().filter((s) => s.op !== "same").map((s) => `${s.op} ${s.type}::${s.name}`);
    expect(steps).toEqual(["replace libvirt:index/domain:Domain::vm"]);
    project.ok("up", "--yes", "--skip-preview");
    const after = project.outputs();
    expect(after.uuid).not.toBe(before.uuid);
    expect(virsh(uri, [`domuuid ${tag}-renamed`]).trim()).toBe(after.uuid);
    expect(spawnSync("virsh", ["-c", uri, "dominfo", tag]).status).not.toBe(0);
    expect(after.dataPath).toBe(before.dataPath);
    const read = execFileSync("qemu-io", ["-f", "raw", "-c", `read -P ${PATTERN} 0 1M`, String(after.dataPath)], { encoding: "utf8" });
    expect(read).not.toMatch(/Pattern verification failed/);
    expect(read).toMatch(/read 1048576\/1048576 bytes/);
  }, STEP);
});
