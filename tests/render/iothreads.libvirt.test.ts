import { renderDomainArgs, renderVm } from "../../sdk/src/render";
import { describeWith, jsonArgs, qemuArgv, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { schemaProblems } from "../support/providerSchema";
import { vmSpec } from "../support/vms";

/** A VM pinned by hand on libvirt's test host: vCPUs on 4-5, the emulator on 0-1. */
const pinned = (extra: object = {}) =>
  vmSpec({
    name: "io",
    vcpus: 2,
    domainType: "qemu",
    memory: { size: "64MiB" },
    pinning: { vcpus: ["4", "5"], emulator: "0-1" },
    disks: [{ source: { file: "/srv/a.qcow2" } }, { source: { file: "/srv/b.qcow2" } }, { source: { file: "/srv/c.qcow2" }, bus: "scsi" }],
    ...extra,
  });

const iothreadOf = (xml: string) => [...xml.matchAll(/<driver name="qemu"[^>]*?(?: iothread="(\d+)")?\/>/g)].map((m) => m[1] && Number(m[1]));

describe("iothreads that serve a pinned VM's disks", () => {
  it("a pinned VM gets one iothread, pinned with the emulator, serving its virtio disks and its virtio-scsi controller", () => {
    const { xml, model } = renderVm(pinned());
    expect(model.iothreads).toBe(1);
    expect(xml).toContain("<iothreads>1</iothreads>");
    expect(xml).toContain('<iothreadpin iothread="1" cpuset="0-1"/>');
    expect(iothreadOf(xml)).toEqual([1, 1, undefined]); // the scsi disk is served by its controller
    expect(xml).toMatch(/<controller type="scsi" index="0" model="virtio-scsi">\s*<driver queues="2" iothread="1"\/>/);
    const args = renderDomainArgs(model) as any;
    expect(args.ioThreads).toBe(1);
    expect(args.cpuTune.ioThreadPins).toEqual([{ ioThread: 1, cpuSet: "0-1" }]);
    expect(args.devices.disks.map((d: any) => d.driver.ioThread)).toEqual([1, 1, undefined]);
    expect(args.devices.controllers).toEqual([expect.objectContaining({ type: "scsi", driver: { queues: 2, ioThread: 1 } })]);
    expect(schemaProblems("libvirt_domain", args)).toEqual([]);
  });

  it("with more iothreads the virtio disks take them in turn, the controller the next; a disk's own choice stands", () => {
    const xml = renderVm(pinned({ iothreads: 2, pinning: { vcpus: ["4", "5"], emulator: "0-1", iothreads: ["2", "3"] } })).xml;
    expect(iothreadOf(xml)).toEqual([1, 2, undefined]);
    expect(xml).toMatch(/<driver queues="2" iothread="1"\/>/);
    expect(xml).toContain('<iothreadpin iothread="2" cpuset="3"/>');
    const own = renderVm(pinned({ iothreads: 2, disks: [{ source: { file: "/a" }, iothread: 2 }, { source: { file: "/b" } }] })).xml;
    expect(iothreadOf(own)).toEqual([2, 1]);
  });

  it("as many iothreads as pinned when the count is not given", () => {
    expect(renderVm(pinned({ pinning: { vcpus: ["4", "5"], iothreads: ["2", "3"] } })).model.iothreads).toBe(2);
  });

  it("none for an unpinned VM, a VM whose disks are all SATA, or when asked for none", () => {
    expect(renderVm(pinned({ pinning: undefined })).xml).not.toContain("iothread");
    expect(renderVm(pinned({ disks: [{ source: { file: "/a" }, bus: "sata" }] })).xml).not.toContain("iothread");
    expect(renderVm(pinned({ iothreads: 0 })).xml).not.toContain("iothread");
  });

  it("a disk's iothread beyond the count is refused, saying how to fix it", () => {
    expect(() => pinned({ disks: [{ source: { file: "/a" }, iothread: 2 }] })).toThrow(/disks\[0\]\.iothread: iothread 2 does not exist; the guest has 1 iothreads \(set iothreads\)/);
  });
});

describeWith("virtXmlValidate", "iothreads against libvirt's schema and test hypervisor", () => {
  it("validates, and libvirt's test driver runs the iothread where it is pinned", () => {
    const { xml } = renderVm(pinned());
    expect(virtXmlValidate(xml, "domain").ok).toBe(true);
    const out = virsh("test:///default", [`define ${tempXml(xml)}`, "start io", "iothreadinfo io"]);
    expect(out).toMatch(/^\s*1\s+0-1\s*$/m);
  });
});

describeWith("qemuDaemon", "iothreads on QEMU's command line", () => {
  it("the iothread object exists and the virtio-blk disks and virtio-scsi controller use it", () => {
    const argv = qemuArgv(renderVm(pinned({ disks: [{ source: { file: "/var/lib/libvirt/images/a.qcow2" } }, { source: { file: "/var/lib/libvirt/images/c.qcow2" }, bus: "scsi" }] })).xml);
    expect(jsonArgs(argv, "-object")).toEqual(expect.arrayContaining([expect.objectContaining({ "qom-type": "iothread", id: "iothread1" })]));
    const devices = jsonArgs(argv, "-device");
    expect(devices.find((d) => d.driver === "virtio-blk-pci")).toMatchObject({ iothread: "iothread1" });
    expect(devices.find((d) => d.driver === "virtio-scsi-pci")).toMatchObject({ iothread: "iothread1" });
  });
});
