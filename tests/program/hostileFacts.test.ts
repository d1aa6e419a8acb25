import { settle } from "../support/mocks";
import { capabilities, devices, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

useMockedVirtkit();

/**
 * Issue 20, third class: a PF, a VF or a PCI device the host's facts do not list. The
 * component that names it is refused, at the field, with what the facts do list; before, a
 * SriovNic or a hostdev VirtualNetwork of an unknown PF was made, and only a VM taking it (if
 * any) failed.
 */

const PFS = "its SR-IOV PFs: enp59s0f0 at 0000:3b:00.0 (8 VFs, 0000:3b:02.0 to 0000:3b:02.7), enp175s0f0 at 0000:af:00.0 (4 VFs, 0000:af:02.0 to 0000:af:02.3)";
const knownHost = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });
const registered = (name: string) => resources.filter((r) => r.name.startsWith(name));

describe("devices the host's facts do not list are refused where they are named", () => {
  it("a SriovNic of a PF the facts do not list, naming the PFs they do", async () => {
    const host = knownHost();
    const name = uniq("vf");
    expect(() => new virtkit.SriovNic(name, { host, pf: "enp99s0f0" })).toThrow(`SriovNic "${name}": pf: no SR-IOV PF "enp99s0f0" on host ${host.hostName} (${PFS})`);
    await settle();
    expect(registered(name)).toEqual([]);
  });

  it("a SriovNic of a VF address the facts do not list, or of another PF than the one named", () => {
    const host = knownHost();
    const name = uniq("vf");
    expect(() => new virtkit.SriovNic(name, { host, vf: { address: "0000:3b:09.0" } })).toThrow(`SriovNic "${name}": vf.address: no SR-IOV VF at 0000:3b:09.0 on host ${host.hostName} (${PFS})`);
    expect(() => new virtkit.SriovNic(uniq("vf"), { host, pf: "enp59s0f0", vf: { address: "0000:af:02.1" } })).toThrow(
      /vf\.address: VF 0000:af:02\.1 belongs to enp175s0f0 at 0000:af:00\.0 \(4 VFs, 0000:af:02\.0 to 0000:af:02\.3\), not to enp59s0f0/,
    );
  });

  it("a PciPassthrough of an address the facts do not list, naming the devices they do", async () => {
    const host = knownHost();
    const name = uniq("gpu");
    expect(() => new virtkit.PciPassthrough(name, { host, address: "0000:99:00.0" })).toThrow(
      new RegExp(`PciPassthrough "${name}": address: no PCI device at 0000:99:00\\.0 on host ${host.hostName} \\(its facts list 0000:3b:00\\.0 \\(enp59s0f0\\), 0000:af:00\\.0 \\(enp175s0f0\\), 0000:d8:00\\.0 \\(.+\\), 12 VFs of its SR-IOV PFs\\)`),
    );
    await settle();
    expect(registered(name)).toEqual([]);
  });

  it("a VirtualNetwork pool of VFs of a PF the facts do not list", async () => {
    const host = knownHost();
    const name = uniq("vfpool");
    expect(() => new virtkit.VirtualNetwork(name, { host, mode: "hostdev", pf: "enp99s0f0" })).toThrow(`VirtualNetwork "${name}": pf: no SR-IOV PF "enp99s0f0" on host ${host.hostName} (${PFS})`);
    await settle();
    expect(registered(name)).toEqual([]);
  });

  it("a VM's own VF NIC or hostdev at an address the facts do not list, naming what they do", async () => {
    const host = knownHost();
    const name = uniq("vm");
    const vm = (extra: Record<string, unknown>) => () => new virtkit.PinnedVm(name, { host, vcpus: 1, memory: { size: "1GiB" }, ...extra } as never);
    expect(vm({ nics: [{ type: "vf", address: "0000:3b:09.0" }] })).toThrow(`PinnedVm "${name}": nics[0]: no SR-IOV VF at 0000:3b:09.0 on host ${host.hostName} (${PFS})`);
    expect(vm({ hostdevs: [{ address: "0000:99:00.0" }] })).toThrow(/hostdevs\[0\]: no PCI device at 0000:99:00\.0 on host \S+ \(its facts list 0000:3b:00\.0 \(enp59s0f0\)/);
    await settle();
    expect(registered(name)).toEqual([]);
  });

  it("a host without device facts judges nothing: libvirt will", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities });
    expect(() => new virtkit.SriovNic(uniq("vf"), { host, pf: "enp99s0f0" })).not.toThrow();
    expect(() => new virtkit.PciPassthrough(uniq("gpu"), { host, address: "0000:99:00.0" })).not.toThrow();
  });
});
