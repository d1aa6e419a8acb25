import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { hostHasKvm, scratchDir, vcpuPins, virsh } from "../support/libvirt";
import { domainOf, placementFacts } from "../support/domainFacts";
import { fidelity, formatFidelity } from "./fidelity";
import { type Knobs, PROGRAM } from "./program";

/**
 * virtkit under the real Pulumi engine, the terraform-provider bridge and libvirt provider
 * v0.9.7, against this machine's libvirtd: a VM pinned to host CPUs, on hugepages where the
 * host has a pool, a qcow2 overlay, a LUKS volume and a NIC on a libvirt network. Steps run
 * in order and share the stack, as a user's session would.
 */
const uri = "qemu:///system";
const tag = `vk-e2e-${process.pid}`;
const STEP = 15 * 60 * 1000;

/** Free 2 MiB pages on host node 0 (the program takes 32 of them). */
function freeHugepages(): number {
  const f = "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages";
  return existsSync(f) ? Number(readFileSync(f, "utf8")) : 0;
}

/** qemu-img info of an image a running QEMU may hold open (-U: no lock taken). */
const imageInfo = (path: string) => JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", path], { encoding: "utf8" }));

const qemuPid = (name: string): string | undefined => {
  const f = `/run/libvirt/qemu/${name}.pid`;
  return existsSync(f) ? readFileSync(f, "utf8").trim() : undefined;
};

describeWithProvider("virtkit on the real Pulumi engine against libvirtd (qemu:///system)", () => {
  const dir = scratchDir();
  let project: PulumiProject;
  let knobs: Knobs;
  const set = (patch: Partial<Knobs>) => {
    knobs = { ...knobs, ...patch };
    project.write({ "knobs.json": JSON.stringify(knobs, null, 2) });
  };

  beforeAll(() => {
    const poolDir = join(dir, "pool");
    virsh(uri, [`pool-define-as ${tag} dir --target ${poolDir}`, `pool-build ${tag}`, `pool-start ${tag}`]);
    const baseImage = join(dir, "base.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", baseImage, "64M"]);
    const capabilities = join(dir, "capabilities.xml");
    writeFileSync(capabilities, virsh(uri, ["capabilities"]));
    knobs = {
      uri,
      capabilities,
      pool: tag,
      network: tag,
      bridge: `vk${process.pid % 1000000}`,
      baseImage,
      domainName: tag,
      domainType: hostHasKvm() ? "kvm" : "qemu",
      chipset: "q35",
      pins: ["0", "1"],
      emulator: "0-1",
      hugepages: freeHugepages() >= 32,
      dataSize: "32MiB",
      dataAllowReplace: false,
      livePinning: false,
      idle: { name: `${tag}-idle`, memoryMiB: 64, vlan: 42, uri: "qemu:///system?socket=/run/libvirt/libvirt-sock" },
    };
    project = new PulumiProject("e2e", { "index.ts": PROGRAM, "knobs.json": JSON.stringify(knobs, null, 2) });
    project.init({ luksPassphrase: { value: "correct horse battery staple", secret: true } });
  }, STEP);

  afterAll(() => {
    // whatever a failed step left behind: the test's own objects only, by name
    const quiet = (cmds: string[]) => spawnSync("virsh", ["-q", "-c", uri, cmds.join(" ; ")]);
    if (project && knobs) {
      set({ dataAllowReplace: true });
      project.pulumi("destroy", "--yes", "--skip-preview");
    }
    quiet([`destroy ${tag}`]);
    quiet([`undefine ${tag} --nvram`]);
    quiet([`undefine ${tag}-idle --nvram`]);
    quiet([`net-destroy ${tag}`]);
    quiet([`net-undefine ${tag}`]);
    quiet([`pool-destroy ${tag}`]);
    quiet([`pool-undefine ${tag}`]);
    project?.remove();
  }, STEP);

  it("preview lists every resource as a create", () => {
    const steps = project.previewSteps();
    const creates = steps.filter((s) => s.op === "create").map((s) => `${s.type}::${s.name}`);
    expect(creates).toEqual(
      expect.arrayContaining([
        "virtkit:index:LibvirtHost::local",
        "pulumi:providers:libvirt::local-provider",
        "libvirt:index/network:Network::net",
        "virtkit:index:Qcow2Volume::root",
        "libvirt:index/volume:Volume::root",
        "virtkit:index:Qcow2Volume::data",
        "pulumi-nodejs:dynamic/virtkit:LuksVolume::data",
        "virtkit:index:PinnedVm::vm",
        "libvirt:index/domain:Domain::vm",
        "virtkit:index:PinnedVm::idle",
        "libvirt:index/domain:Domain::idle",
      ]),
    );
    expect(steps.filter((s) => s.op !== "create" && s.op !== "same")).toEqual([]);
  }, STEP);

  it("up builds the VM running, pinned as planned; libvirt's definition agrees with domainXml", () => {
    project.ok("up", "--yes", "--skip-preview");
    const out = project.outputs();
    expect(virsh(uri, [`domstate ${tag}`]).trim()).toBe("running");
    expect(vcpuPins(uri, tag)).toEqual([
      ["0", "0"],
      ["1", "1"],
    ]);
    expect(virsh(uri, [`emulatorpin ${tag}`]).trim()).toBe("0-1");
    const numatune = virsh(uri, [`numatune ${tag}`]);
    expect(numatune).toMatch(/numa_mode\s*:\s*strict/);
    expect(numatune).toMatch(/numa_nodeset\s*:\s*0/);
    const live = virsh(uri, [`dumpxml ${tag}`]);
    expect(placementFacts(domainOf(live))).toEqual(placementFacts(domainOf(String(out.domainXml))));
    expect(String(out.uuid)).toMatch(/^[0-9a-f-]{36}$/);
    // the LUKS volume exists with a header, keyed by its secret
    const info = imageInfo(String(out.dataPath));
    expect(info["format-specific"].data.encrypt.format).toBe("luks");
    // and the passphrase is a secret in the state, never plain text
    const state = project.ok("stack", "export").stdout;
    expect(state).not.toContain("correct horse battery staple");
    // the idle VM is defined, not started, and keeps the VLAN the provider was given
    expect(virsh(uri, [`domstate ${tag}-idle`]).trim()).toBe("shut off");
    expect(virsh(uri, [`dumpxml --inactive ${tag}-idle`])).toMatch(/<vlan>\s*<tag id='42'\/>/);
  }, STEP);

  it("reports what the provider carried of virtkit's domain XML, fact by fact and per area", () => {
    const out = project.outputs();
    const rows = [
      ...fidelity(String(out.domainXml), virsh(uri, [`dumpxml --inactive ${tag}`])),
      ...fidelity(String(out.idleXml), virsh(uri, [`dumpxml --inactive ${tag}-idle`])),
    ];
    const report = formatFidelity(rows);
    writeFileSync(join(__dirname, "..", "..", ".scratch", "fidelity.md"), report);
    console.log(`fidelity of ${tag} and ${tag}-idle (virtkit's domainXml vs virsh dumpxml --inactive after pulumi up):\n${report}`);
    // both domains are read: the idle VM's VLAN among them, carried
    expect(rows.filter((r) => r.fact === "domain/name#text").map((r) => r.verdict)).toEqual(["carried", "carried"]);
    expect(rows.find((r) => /^domain\/devices\/interface(\[0\])?\/vlan\/tag@id$/.test(r.fact))).toMatchObject({ ours: "42", verdict: "carried" });
    // the vhost-user socket, which the provider's schema has only in a shape of its own
    expect(rows.filter((r) => /\/interface\[1\]\/source@(path|mode)$/.test(r.fact)).map((r) => [r.ours, r.verdict])).toEqual([
      [`/run/${tag}-idle.sock`, "carried"],
      ["server", "carried"],
    ]);
    // every fact is carried, or changed or lost for a reason the table states
    expect(rows.filter((r) => r.verdict !== "carried" && !r.why)).toEqual([]);
  }, STEP);

  it("comes up clean: no perpetual diff in preview or refresh", () => {
    expect(project.drift()).toBe("");
  }, STEP);

  // provider v0.9.7 requires replacement only for the name and the hypervisor type; virtkit's classes follow it
  it("a chipset change is an update: up redefines the domain under its UUID and restarts it", () => {
    const uuid = virsh(uri, [`domuuid ${tag}`]).trim();
    const before = qemuPid(tag);
    set({ chipset: "i440fx" });
    expect(project.previewSteps().find((s) => s.type === "libvirt:index/domain:Domain" && s.name === "vm")?.op).toBe("update");
    project.ok("up", "--yes", "--skip-preview");
    expect(virsh(uri, [`domstate ${tag}`]).trim()).toBe("running");
    expect(virsh(uri, [`domuuid ${tag}`]).trim()).toBe(uuid);
    expect(virsh(uri, [`dumpxml --inactive ${tag}`])).toMatch(/machine='pc-i440fx-/);
    expect(qemuPid(tag)).not.toBe(before);
  }, STEP);

  it("a domain-name change previews as a replacement of the domain", () => {
    set({ domainName: `${tag}-renamed` });
    const op = project.previewSteps().find((s) => s.type === "libvirt:index/domain:Domain" && s.name === "vm")?.op;
    set({ domainName: tag });
    expect(op).toBe("replace");
  }, STEP);

  it("the encrypted data volume grows in place under the running VM, and a shrink is refused before anything changes", () => {
    const out = project.outputs();
    const before = qemuPid(tag);
    set({ dataSize: "48MiB" });
    const steps = project.previewSteps().filter((s) => s.op !== "same");
    expect(steps.map((s) => `${s.op} ${s.type}::${s.name}`)).toEqual(["update pulumi-nodejs:dynamic/virtkit:LuksVolume::data"]);
    project.ok("up", "--yes", "--skip-preview");
    expect(imageInfo(String(out.dataPath))["virtual-size"]).toBe(48 * 1024 * 1024);
    expect(qemuPid(tag)).toBe(before);
    set({ dataSize: "32MiB" });
    const shrink = project.pulumi("preview");
    set({ dataSize: "48MiB" });
    expect(shrink.status).not.toBe(0);
    expect(shrink.output).toMatch(/cannot shrink from 48MiB to 32MiB/);
  }, STEP);

  it("a pinning change previews as an update, and up restarts the running domain with the new pins", () => {
    set({ pins: ["1", "0"] });
    const domainStep = project.previewSteps().find((s) => s.type === "libvirt:index/domain:Domain");
    expect(domainStep?.op).toBe("update");
    const before = qemuPid(tag);
    project.ok("up", "--yes", "--skip-preview");
    expect(virsh(uri, [`domstate ${tag}`]).trim()).toBe("running");
    expect(vcpuPins(uri, tag)).toEqual([
      ["0", "1"],
      ["1", "0"],
    ]);
    // provider v0.9.7 updates by shutdown (forced after its timeout), undefine, define, start
    expect(virsh(uri, [`domuuid ${tag}`]).trim()).toBe(String(project.outputs().uuid));
    expect(qemuPid(tag)).toBeDefined();
    expect(qemuPid(tag)).not.toBe(before);
  }, STEP);

  it("with livePinning a pinning change is applied live: same QEMU process, new pins", () => {
    set({ livePinning: true });
    project.ok("up", "--yes", "--skip-preview");
    const before = qemuPid(tag);
    set({ pins: ["0", "1"] });
    const changed = project.previewSteps().filter((s) => s.op !== "same").map((s) => `${s.op} ${s.type}::${s.name}`);
    expect(changed).toEqual(["update pulumi-nodejs:dynamic/virtkit:LivePinning::vm-pinning"]);
    project.ok("up", "--yes", "--skip-preview");
    expect(qemuPid(tag)).toBe(before);
    expect(vcpuPins(uri, tag)).toEqual([
      ["0", "0"],
      ["1", "1"],
    ]);
    expect(project.drift()).toBe("");
  }, STEP);

  it("a change to a VM that is not running waits for its next start", () => {
    set({ idle: { ...knobs.idle, memoryMiB: 96 } });
    expect(project.previewSteps().find((s) => s.type === "libvirt:index/domain:Domain" && s.name === "idle")?.op).toBe("update");
    project.ok("up", "--yes", "--skip-preview");
    expect(virsh(uri, [`domstate ${tag}-idle`]).trim()).toBe("shut off");
    expect(virsh(uri, [`dumpxml --inactive ${tag}-idle`])).toMatch(/<memory unit='KiB'>98304<\/memory>/);
  }, STEP);

  it("destroy leaves no domain, volume, secret or network behind", () => {
    const out = project.outputs();
    set({ dataAllowReplace: true });
    project.ok("up", "--yes", "--skip-preview");
    project.ok("destroy", "--yes", "--skip-preview");
    expect(spawnSync("virsh", ["-c", uri, "dominfo", tag]).status).not.toBe(0);
    expect(virsh(uri, [`vol-list ${tag}`]).trim()).toBe("");
    expect(virsh(uri, ["secret-list"])).not.toContain(String(out.dataSecret));
    expect(spawnSync("virsh", ["-c", uri, "net-info", tag]).status).not.toBe(0);
  }, STEP);
});
