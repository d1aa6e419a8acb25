import { renderVm } from "../../sdk/src/render";
import { argValues, describeWith, qemuArgv, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { domainOf, type Node } from "../support/domainFacts";
import { vmSpec } from "../support/vms";
import type { VmSpecInput } from "../../sdk/src/schema";

/** A guest to log in to: a disk, the serial console (default), a display, the cloud-init seed on a CD-ROM. */
const guest = (over: Partial<VmSpecInput> = {}): VmSpecInput => ({
  name: "guest-login",
  vcpus: 1,
  domainType: "qemu",
  memory: { size: "256MiB" },
  disks: [{ source: { file: "/var/lib/libvirt/images/guest.qcow2" } }],
  graphics: { type: "vnc" },
  cdroms: [{ source: { file: "/var/lib/libvirt/images/guest-cloudinit.iso" } }],
  ...over,
});

describeWith("virtXmlValidate", "a guest's console, display and CD-ROMs against libvirt's schema", () => {
  it.each([
    ["VNC, a seed ISO file", guest()],
    ["SPICE on every address, the seed in a pool, on i440fx", guest({ graphics: { type: "spice", listen: "0.0.0.0" }, chipset: "i440fx", cdroms: [{ source: { pool: "default", volume: "guest-cloudinit.iso" } }] })],
    ["no console, no display", guest({ serialConsole: false, graphics: undefined, cdroms: [] })],
  ])("%s validates", (_label, input) => {
    expect(virtXmlValidate(renderVm(vmSpec(input)).xml, "domain").output).toContain("validates");
  });
});

describeWith("virsh", "a guest's console, display and CD-ROM on libvirt's test hypervisor", () => {
  it("defines and starts; libvirt keeps a pty serial port with its console, the display on localhost and a read-only SATA CD-ROM after the disk", () => {
    const out = virsh("test:///default", [`define ${tempXml(renderVm(vmSpec(guest())).xml)}`, "start guest-login", "dumpxml guest-login"]);
    const devices = domainOf(out.slice(out.indexOf("<domain"))).devices;
    const serials = [devices.serial].flat() as Node[];
    expect(serials.map((s) => [s["@_type"], s.target["@_port"]])).toEqual([["pty", "0"]]);
    expect([devices.console].flat().map((c: Node) => [c["@_type"], c.target["@_type"], c.target["@_port"]])).toEqual([["pty", "serial", "0"]]);
    const graphics = [devices.graphics].flat() as Node[];
    expect(graphics.map((g) => [g["@_type"], g["@_listen"], g["@_autoport"], g.listen["@_address"]])).toEqual([["vnc", "127.0.0.1", "yes", "127.0.0.1"]]);
    const cdrom = (devices.disk as Node[]).find((d) => d["@_device"] === "cdrom")!;
    expect([cdrom.target["@_dev"], cdrom.target["@_bus"], "readonly" in cdrom, cdrom.driver["@_type"]]).toEqual(["sda", "sata", true, "raw"]);
  });
});

describeWith("qemuDaemon", "a guest's console, display and CD-ROM through the real QEMU driver", () => {
  it("gives QEMU a pty chardev on an ISA serial port, a VNC server on localhost and an AHCI CD-ROM", () => {
    const argv = qemuArgv(renderVm(vmSpec(guest())).xml);
    expect(argValues(argv, "-chardev")).toContainEqual(expect.stringMatching(/^pty,id=charserial0/));
    expect(argValues(argv, "-device")).toContainEqual(expect.stringMatching(/isa-serial.*chardev.*charserial0/));
    expect(argValues(argv, "-vnc")).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+/)]);
    const devices = argValues(argv, "-device").join("\n");
    expect(devices).toMatch(/ide-cd/);
    expect(argv.join(" ")).toMatch(/guest-cloudinit\.iso/);
  });

  it("gives QEMU a SPICE server on the address asked", () => {
    const argv = qemuArgv(renderVm(vmSpec(guest({ graphics: { type: "spice", listen: "0.0.0.0" } }))).xml);
    expect(argValues(argv, "-spice")).toEqual([expect.stringMatching(/addr=0\.0\.0\.0/)]);
  });
});
