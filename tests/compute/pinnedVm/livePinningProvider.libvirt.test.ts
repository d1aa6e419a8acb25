import { readFileSync } from "node:fs";
import { livePinningProvider, type LivePinningInputs } from "../../../sdk/src/compute/pinnedVm/livePinningProvider";
import { describeWith, tempXml, virsh } from "../../support/libvirt";

const uri = "qemu:///system";

describe("what LivePinning's diff asks", () => {
  const base: LivePinningInputs = { uri, domain: "d", vcpuPins: [{ vcpu: 0, cpuSet: "0" }], emulatorPin: "1", ioThreadPins: [], domainDigest: "a" };
  it("updates for new pins or a new domain digest, never replaces, and leaves the same inputs alone", async () => {
    const diff = (news: Partial<LivePinningInputs>) => livePinningProvider.diff!("id", base, { ...base, ...news });
    await expect(diff({})).resolves.toEqual({ changes: false, replaces: [] });
    await expect(diff({ vcpuPins: [{ vcpu: 0, cpuSet: "1" }] })).resolves.toEqual({ changes: true, replaces: [] });
    await expect(diff({ emulatorPin: undefined })).resolves.toEqual({ changes: true, replaces: [] });
    // the domain was redefined (with its old pins) for another change: the pins go back on
    await expect(diff({ domainDigest: "b" })).resolves.toEqual({ changes: true, replaces: [] });
  });
});

describeWith("qemuDaemon", "LivePinning on a real running domain", () => {
  const name = `vk-livepin-${process.pid}`;
  // TCG, 2 vCPUs, 64 MiB, no disks: QEMU runs, which is all pinning needs
  const xml = `<domain type="qemu"><name>${name}</name><memory unit="MiB">64</memory><vcpu placement="static">2</vcpu><iothreads>1</iothreads>
  <cputune><vcpupin vcpu="0" cpuset="0"/><vcpupin vcpu="1" cpuset="0"/><emulatorpin cpuset="0"/><iothreadpin iothread="1" cpuset="0"/></cputune>
  <os><type arch="x86_64">hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>`;
  const olds: LivePinningInputs = { uri, domain: name, vcpuPins: [{ vcpu: 0, cpuSet: "0" }, { vcpu: 1, cpuSet: "0" }], emulatorPin: "0", ioThreadPins: [{ ioThread: 1, cpuSet: "0" }], domainDigest: "x" };
  const news: LivePinningInputs = { ...olds, vcpuPins: [{ vcpu: 0, cpuSet: "1" }, { vcpu: 1, cpuSet: "0-1" }], emulatorPin: "1", ioThreadPins: [{ ioThread: 1, cpuSet: "1" }] };
  const qemuPid = () => readFileSync(`/run/libvirt/qemu/${name}.pid`, "utf8").trim();
  /** `virsh vcpupin DOMAIN` (the live pins of a running domain): vCPU → CPU list. */
  const livePins = () => Object.fromEntries(virsh(uri, [`vcpupin ${name}`]).trim().split("\n").map((l) => l.trim().split(/\s+/)));

  beforeAll(() => virsh(uri, [`define ${tempXml(xml)}`, `start ${name}`]));
  afterAll(() => {
    try {
      virsh(uri, [`destroy ${name}`]);
    } catch {
      // already stopped
    }
    virsh(uri, [`undefine ${name}`]);
  });

  it("create only records: the domain was defined with its pins", async () => {
    expect(await livePinningProvider.create(olds)).toEqual({ id: `${uri}|${name}`, outs: olds });
    expect(livePins()).toEqual({ "0": "0", "1": "0" });
  });

  it("update re-pins the running domain live and in its definition, without restarting it", async () => {
    const pid = qemuPid();
    expect(await livePinningProvider.update!(`${uri}|${name}`, olds, news)).toEqual({ outs: news });
    expect(livePins()).toEqual({ "0": "1", "1": "0-1" });
    expect(virsh(uri, [`emulatorpin ${name}`]).trim()).toMatch(/^(\*:\s+)?1$/);
    expect(virsh(uri, [`iothreadinfo ${name}`])).toMatch(/^\s*1\s+1\s*$/m);
    const inactive = virsh(uri, [`dumpxml --inactive ${name}`]);
    expect(inactive).toContain("<vcpupin vcpu='0' cpuset='1'/>");
    expect(inactive).toContain("<vcpupin vcpu='1' cpuset='0-1'/>");
    expect(inactive).toContain("<emulatorpin cpuset='1'/>");
    expect(inactive).toContain("<iothreadpin iothread='1' cpuset='1'/>");
    // the same QEMU process: no restart
    expect(virsh(uri, [`domstate ${name}`]).trim()).toBe("running");
    expect(qemuPid()).toBe(pid);
  });

  it("read reports pins changed out of band, in the running domain, so a refresh shows them and the next update puts them back", async () => {
    // as the update above left them: the same pins read back keep their declared spelling
    await expect(livePinningProvider.read!(`${uri}|${name}`, news)).resolves.toEqual({ id: `${uri}|${name}`, props: news });
    virsh(uri, [`vcpupin ${name} 0 0 --live`, `emulatorpin ${name} 0 --live`]);
    const read = await livePinningProvider.read!(`${uri}|${name}`, news);
    expect(read.props).toEqual({ ...news, vcpuPins: [{ vcpu: 0, cpuSet: "0" }, { vcpu: 1, cpuSet: "0-1" }], emulatorPin: "0" });
    // what the engine does next: the program's pins differ from the refreshed ones, so it updates, live
    await expect(livePinningProvider.diff!(`${uri}|${name}`, read.props, news)).resolves.toEqual({ changes: true, replaces: [] });
    const pid = qemuPid();
    await livePinningProvider.update!(`${uri}|${name}`, read.props, news);
    expect(livePins()).toEqual({ "0": "1", "1": "0-1" });
    expect(qemuPid()).toBe(pid);
  });

  it("read leaves out what was never declared: the engine's wire format has no undefined", async () => {
    const { emulatorPin: _, ...noEmulator } = news;
    const read = await livePinningProvider.read!(`${uri}|${name}`, { ...noEmulator, emulatorPin: undefined });
    expect(Object.keys(read.props as object)).not.toContain("emulatorPin");
    expect(Object.values(read.props as object)).not.toContain(undefined);
  });

  it("update on a stopped domain changes its definition only (--config), and a dropped pin goes back to every CPU", async () => {
    virsh(uri, [`destroy ${name}`]);
    const later: LivePinningInputs = { ...news, vcpuPins: [{ vcpu: 0, cpuSet: "0" }], emulatorPin: undefined, ioThreadPins: [] };
    await livePinningProvider.update!(`${uri}|${name}`, news, later);
    const inactive = virsh(uri, [`dumpxml --inactive ${name}`]);
    expect(inactive).toContain("<vcpupin vcpu='0' cpuset='0'/>");
    const cpus = Number(/^CPU\(s\):\s+(\d+)/m.exec(virsh(uri, ["nodeinfo"]))![1]);
    const every = cpus === 1 ? "0" : `0-${cpus - 1}`;
    expect(inactive).toContain(`<vcpupin vcpu='1' cpuset='${every}'/>`);
    expect(inactive).toContain(`<emulatorpin cpuset='${every}'/>`);
    expect(inactive).toContain(`<iothreadpin iothread='1' cpuset='${every}'/>`);
    expect(virsh(uri, [`domstate ${name}`]).trim()).toBe("shut off");
  });
});
