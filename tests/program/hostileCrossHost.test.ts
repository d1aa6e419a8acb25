import { settle } from "../support/mocks";
import { capabilities, devices, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

useMockedVirtkit();

/**
 * Issue 20, second class: a part bound to one host used on another. Each kind of reference the
 * API allows is refused naming the component that refers, the field, and both hosts, before
 * anything of the referring component registers.
 */

const CEPH_KEY = "QVFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=";
const hostPair = () => {
  const a = new virtkit.LibvirtHost(uniq("hva"), { uri: uniqueUri(), capabilities, devices });
  const b = new virtkit.LibvirtHost(uniq("hvb"), { uri: uniqueUri(), capabilities, devices });
  return { a, b };
};
const registered = (name: string) => resources.filter((r) => r.name.startsWith(name));
const vmOn = (host: unknown, extra: Record<string, unknown>) => {
  const name = uniq("vm");
  return { name, make: () => new virtkit.PinnedVm(name, { host, vcpus: 1, memory: { size: "1GiB" }, ...extra } as never) };
};
/** Expects `make` to be refused by `component "name"` at `path`, naming both hosts, with nothing of `name` registered. */
async function refusedAcrossHosts(make: () => unknown, component: string, name: string, path: string, partHost: string, host: string) {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  expect(make).toThrow(new RegExp(`${component} "${esc(name)}": [\\s\\S]*${esc(path)}: .*on host ${partHost}, not on ${host}`));
  await settle();
  expect(registered(name)).toEqual([]);
}

describe("a part of one host used on another is refused", () => {
  it("a Qcow2Volume of host A as a disk of a VM on host B", async () => {
    const { a, b } = hostPair();
    const disk = new virtkit.Qcow2Volume(uniq("disk"), { host: a, pool: "default", size: "1GiB" });
    const vm = vmOn(b, { disks: [disk] });
    await refusedAcrossHosts(vm.make, "PinnedVm", vm.name, "disks[0]", a.hostName, b.hostName);
  });

  it("an SriovNic and a PciPassthrough made on host A", async () => {
    const { a, b } = hostPair();
    const nic = new virtkit.SriovNic(uniq("vf"), { host: a, pf: "enp59s0f0" });
    const gpu = new virtkit.PciPassthrough(uniq("gpu"), { host: a, address: "0000:d8:00.0" });
    const vm = vmOn(b, { nics: [nic], hostdevs: [gpu] });
    await refusedAcrossHosts(vm.make, "PinnedVm", vm.name, "nics[0]", a.hostName, b.hostName);
    await refusedAcrossHosts(vm.make, "PinnedVm", vm.name, "hostdevs[0]", a.hostName, b.hostName);
  });

  it("a VirtualNetwork of host A, as a NIC or as { network }", async () => {
    const { a, b } = hostPair();
    const net = new virtkit.VirtualNetwork(uniq("net"), { host: a, mode: "isolated" });
    const bare = vmOn(b, { nics: [net] });
    await refusedAcrossHosts(bare.make, "PinnedVm", bare.name, "nics[0]", a.hostName, b.hostName);
    const withMac = vmOn(b, { nics: [{ type: "network", network: "default" }, { network: net, mac: "52:54:00:00:00:01" }] });
    await refusedAcrossHosts(withMac.make, "PinnedVm", withMac.name, "nics[1]", a.hostName, b.hostName);
  });

  it("a StorageSecret of host A as a network disk's key on host B", async () => {
    const { a, b } = hostPair();
    const key = new virtkit.StorageSecret(uniq("key"), { host: a, type: "ceph", usage: "client.libvirt secret", value: CEPH_KEY });
    const vm = vmOn(b, { disks: [{ source: { rbd: { pool: "rbd", image: "db", monitors: [{ host: "192.0.2.1" }] } }, auth: { username: "libvirt", secret: key } }] });
    await refusedAcrossHosts(vm.make, "PinnedVm", vm.name, "disks[0].auth.secret", a.hostName, b.hostName);
  });

  it("a StoragePool of host A as a Qcow2Volume's pool on host B", async () => {
    const { a, b } = hostPair();
    const pool = new virtkit.StoragePool(uniq("images"), { host: a, type: "dir", path: "/srv/images" });
    const name = uniq("vol");
    await refusedAcrossHosts(() => new virtkit.Qcow2Volume(name, { host: b, pool, size: "1GiB" }), "Qcow2Volume", name, "pool", a.hostName, b.hostName);
  });

  it("a base image volume of host A under an overlay on host B", async () => {
    const { a, b } = hostPair();
    const base = new virtkit.Qcow2Volume(uniq("base"), { host: a, pool: "default", size: "2GiB" });
    const name = uniq("overlay");
    await refusedAcrossHosts(() => new virtkit.Qcow2Volume(name, { host: b, pool: "default", size: "4GiB", baseImage: { volume: base } }), "Qcow2Volume", name, "baseImage.volume", a.hostName, b.hostName);
  });

  it("with host: [h1, h2], parts on both hosts: no host fits, each named with its reason", async () => {
    const { a, b } = hostPair();
    const diskA = new virtkit.Qcow2Volume(uniq("disk"), { host: a, pool: "default", size: "1GiB" });
    const nicB = new virtkit.SriovNic(uniq("vf"), { host: b, pf: "enp59s0f0" });
    const vm = vmOn([a, b], { disks: [diskA], nics: [nicB] });
    expect(vm.make).toThrow(new RegExp(`host: does not fit on ${a.hostName}: nics\\[0\\]: SriovNic "\\S+" is on host ${b.hostName}, not on ${a.hostName}`));
    expect(vm.make).toThrow(new RegExp(`host: does not fit on ${b.hostName}: disks\\[0\\]: Qcow2Volume "\\S+" is on host ${a.hostName}, not on ${b.hostName}`));
    await settle();
    expect(registered(vm.name)).toEqual([]);
  });

  it("with host: [h1, h2], a part of a host not in the list: refused on every host of the list", async () => {
    const { a, b } = hostPair();
    const c = new virtkit.LibvirtHost(uniq("hvc"), { uri: uniqueUri(), capabilities, devices });
    const disk = new virtkit.Qcow2Volume(uniq("disk"), { host: c, pool: "default", size: "1GiB" });
    const vm = vmOn([a, b], { disks: [disk] });
    expect(vm.make).toThrow(new RegExp(`does not fit on ${a.hostName}: disks\\[0\\]: .* on host ${c.hostName}, not on ${a.hostName}`));
    expect(vm.make).toThrow(new RegExp(`does not fit on ${b.hostName}: disks\\[0\\]: .* on host ${c.hostName}, not on ${b.hostName}`));
  });

  it("parts of two handles on one hypervisor (one URI) are one host's: not refused", () => {
    const uri = uniqueUri();
    const a = new virtkit.LibvirtHost(uniq("hv"), { uri, capabilities, devices });
    const alias = new virtkit.LibvirtHost(uniq("hv"), { uri, capabilities, devices });
    const pool = new virtkit.StoragePool(uniq("images"), { host: a, type: "dir", path: "/srv/images2" });
    const disk = new virtkit.Qcow2Volume(uniq("disk"), { host: alias, pool, size: "1GiB" });
    expect(() => new virtkit.PinnedVm(uniq("vm"), { host: a, vcpus: 1, memory: { size: "1GiB" }, disks: [disk] })).not.toThrow();
  });
});
