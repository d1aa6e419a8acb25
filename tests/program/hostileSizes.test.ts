import { settle } from "../support/mocks";
import { capabilities, devices, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

useMockedVirtkit();

/**
 * Issue 20, fourth class: sizes no host of the program could hold. The two-socket host has 64
 * CPUs and 376.3GiB of RAM (187.3GiB on node 0, 189GiB on node 1); before, a plain-memory VM of
 * 10TiB, one of 300GiB bound to node 0, and 200 explicitly pinned vCPUs were all planned.
 * Each refusal names the field and the host's capacity; absurd numbers are refused as sizes.
 */

const knownHost = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });
const registered = (name: string) => resources.filter((r) => r.name.startsWith(name));

/** `make` is refused by PinnedVm `name` with `pattern`, and nothing of it registers. */
async function refused(name: string, make: () => unknown, pattern: RegExp) {
  expect(make).toThrow(pattern);
  await settle();
  expect(registered(name)).toEqual([]);
}
const vm = (name: string, host: unknown, extra: Record<string, unknown>) => () => new virtkit.PinnedVm(name, { host, vcpus: 1, memory: { size: "1GiB" }, ...extra } as never);

describe("sizes no host could hold are refused, naming the field and the host's capacity", () => {
  it("memory larger than all of the host's RAM, plain or on hugepages", async () => {
    const host = knownHost();
    const name = uniq("vm");
    await refused(name, vm(name, host, { memory: { size: "10TiB" } }), new RegExp(`PinnedVm "${name}": memory\\.size: 10TiB is more than all the memory of host ${host.hostName} \\(376\\.3GiB on 2 NUMA nodes\\)`));
    // with explicit pins, which placed no memory check before
    await refused(name, vm(name, host, { memory: { size: "10TiB" }, pinning: { vcpus: ["3"] } }), /memory\.size: 10TiB is more than all the memory of host/);
    const pages = new virtkit.HugepageMemory(uniq("mem"), { size: "900GiB", pageSize: "1GiB" });
    await refused(name, vm(name, host, { memory: pages }), new RegExp(`PinnedVm "${name}": memory: 900GiB is more than all the memory of host ${host.hostName}`));
  });

  it("memory larger than the NUMA node it is bound to", async () => {
    const host = knownHost();
    const name = uniq("vm");
    await refused(name, vm(name, host, { memory: { size: "300GiB" }, numa: { hostNodes: "0" } }), new RegExp(`memory\\.size: 300GiB is more than host ${host.hostName} has on node 0 \\(187\\.3GiB\\), where numa\\.hostNodes binds the memory`));
    // "preferred" may spill over to other nodes: not refused for that
    expect(vm(uniq("vm"), host, { memory: { size: "300GiB" }, numa: { hostNodes: "0", mode: "preferred" }, pinning: { vcpus: ["3"] } })).not.toThrow(/binds the memory/);
  });

  it("memory that fits the host but no one node, where placement binds it to the vCPUs' node", async () => {
    const host = knownHost();
    const name = uniq("vm");
    await refused(name, vm(name, host, { memory: { size: "250GiB" } }), /memory: no single host node can hold 1 vCPUs and 250GiB of memory: .*host node 0 has 187\.3GiB of memory in all, 250GiB needed/);
  });

  it("more vCPUs than host CPUs: explicitly pinned onto them it is overcommit, which KVM runs; automatically pinned, refused", async () => {
    const host = knownHost();
    expect(vm(uniq("vm"), host, { vcpus: 200, pinning: { vcpus: Array(200).fill("3") } })).not.toThrow();
    const name = uniq("vm");
    await refused(name, vm(name, host, { vcpus: 65, pinning: "auto" }), /vcpus: /);
  });

  it("a hugepage count beyond the host's pools", async () => {
    const host = knownHost();
    const name = uniq("vm");
    const pages = new virtkit.HugepageMemory(uniq("mem"), { size: "20GiB", pageSize: "1GiB" });
    await refused(name, vm(name, host, { memory: pages }), /memory: no single host node can hold 1 vCPUs and 20GiB of memory: host node 0 has 16 of 16 1GiB pages free, 20 needed/);
  });

  it("with host: [h1, h2], each host's refusal names its capacity", async () => {
    const small = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities: capabilities.replace(/<memory unit='KiB'>\d+<\/memory>/g, "<memory unit='KiB'>8388608</memory>") });
    const big = knownHost();
    const name = uniq("vm");
    const both = vm(name, [small, big], { memory: { size: "10TiB" } });
    expect(both).toThrow(new RegExp(`host: does not fit on ${small.hostName}: memory\\.size: 10TiB is more than all the memory of host ${small.hostName} \\(16GiB on 2 NUMA nodes\\)`));
    await refused(name, both, new RegExp(`host: does not fit on ${big.hostName}: memory\\.size: 10TiB is more than all the memory of host ${big.hostName} \\(376\\.3GiB on 2 NUMA nodes\\)`));
  });

  it("absurd numbers: 1e30, 9999999TiB, negative, NaN, Infinity, fractions", () => {
    const host = knownHost();
    const size = (s: unknown) => vm(uniq("vm"), host, { memory: { size: s } });
    expect(size(1e30)).toThrow(/memory\.size: 1e\+30 is not a whole number of bytes/);
    expect(size("9999999TiB")).toThrow(/memory\.size: "9999999TiB" is too large/);
    expect(size(-1)).toThrow(/memory\.size: -1 bytes is not a positive size/);
    expect(size(NaN)).toThrow(/memory\.size: expected a size/);
    expect(size(Infinity)).toThrow(/memory\.size: expected a size/);
    expect(vm(uniq("vm"), host, { vcpus: 1.5 })).toThrow(/vcpus: 1\.5 is not a whole number/);
    expect(vm(uniq("vm"), host, { vcpus: -3 })).toThrow(/vcpus: /);
    expect(() => new virtkit.HugepageMemory(uniq("mem"), { size: NaN, pageSize: "2MiB" })).toThrow(/HugepageMemory .*: size: expected a size/);
    expect(() => new virtkit.HugepageMemory(uniq("mem"), { size: "3MiB", pageSize: "2MiB" })).toThrow(/size: 3MiB is not a whole number of 2MiB pages/);
    expect(() => new virtkit.Qcow2Volume(uniq("vol"), { host, pool: "default", size: "9999999TiB" })).toThrow(/Qcow2Volume .*: size: "9999999TiB" is too large/);
    expect(() => new virtkit.Qcow2Volume(uniq("vol"), { host, pool: "default", size: -5 })).toThrow(/size: -5 bytes is not a positive size/);
  });

  it("a host without capabilities judges no size: virtkit cannot know it", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(vm(uniq("vm"), host, { vcpus: 500, memory: { size: "10TiB" } })).not.toThrow();
  });
});
