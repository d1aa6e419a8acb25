import { captureChildren, registration, settle } from "../../support/mocks";
import { capabilities, devices, domains, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

const NETWORK = "libvirt:index/network:Network";
const networks = () => resources.filter((r) => r.type === NETWORK);

describe("VirtualNetwork", () => {
  it("registers the provider's network with its NAT subnet, DHCP range and autostart", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("lan");
    const net = new virtkit.VirtualNetwork(name, { host, mode: "nat", bridge: "virbr10", ipv4: { address: "192.168.100.1/24", dhcp: { start: "192.168.100.10", end: "192.168.100.99" } } });
    const r = await registration(resources, NETWORK, name);
    expect(r.inputs).toEqual({
      name,
      autostart: true,
      forward: { mode: "nat" },
      bridge: { name: "virbr10" },
      ips: [{ address: "192.168.100.1", prefix: 24, dhcp: { ranges: [{ start: "192.168.100.10", end: "192.168.100.99" }] } }],
    });
    expect(net.warnings).toEqual([]);
    expect(virtkit.plannedNetworks().find((n) => n.component === `VirtualNetwork "${name}"`)?.networkXml).toMatch(/<range start="192.168.100.10" end="192.168.100.99"\/>/);
  });

  it("registers isolated, bridged, Open vSwitch and VF-pool networks in the provider's terms", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const names = { iso: uniq("iso"), br: uniq("br"), ovs: uniq("ovs"), vfs: uniq("vfs") };
    const made = {
      iso: new virtkit.VirtualNetwork(names.iso, { host, mode: "isolated", autostart: false }),
      br: new virtkit.VirtualNetwork(names.br, { host, mode: "bridge", bridge: "br0" }),
      ovs: new virtkit.VirtualNetwork(names.ovs, { host, mode: "openvswitch", bridge: "ovsbr0", name: "ovs-lan" }),
      vfs: new virtkit.VirtualNetwork(names.vfs, { host, mode: "hostdev", pf: "enp59s0f0" }),
    };
    const inputs = async (key: keyof typeof names) => (await registration(resources, NETWORK, names[key])).inputs;
    expect(await inputs("iso")).toEqual({ name: made.iso.networkName, autostart: false });
    expect(await inputs("br")).toEqual({ name: made.br.networkName, autostart: true, forward: { mode: "bridge" }, bridge: { name: "br0" } });
    expect(await inputs("ovs")).toEqual({ name: "ovs-lan", autostart: true, forward: { mode: "bridge" }, bridge: { name: "ovsbr0" }, virtualPort: { params: { openVSwitch: {} } } });
    expect(await inputs("vfs")).toEqual({ name: made.vfs.networkName, autostart: true, forward: { mode: "hostdev", managed: true, pfs: [{ dev: "enp59s0f0" }] } });
  });

  it("gives the provider the VLAN of a VF pool, which provider v0.9.7 carries (no warning)", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("vfs");
    const net = new virtkit.VirtualNetwork(name, { host, mode: "hostdev", pf: "enp59s0f0", vlan: 100 });
    expect(net.warnings).toEqual([]);
    expect((await registration(resources, "libvirt:index/network:Network", name)).inputs.vlan).toEqual({ tags: [{ id: 100 }] });
  });

  it("refuses bad addresses with every problem and its path, before anything registers", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    await settle(); // earlier tests' networks register asynchronously
    const before = networks().length;
    expect(() => new virtkit.VirtualNetwork("bad-net", { host, mode: "nat", mtu: 20, ipv4: { address: "10.1.0.1/24", dhcp: { start: "10.1.0.10", end: "10.2.0.1" } } })).toThrow(
      /VirtualNetwork "bad-net": 2 problems\n {2}- ipv4.dhcp.end: 10.2.0.1 is outside the subnet 10.1.0.0\/24 \(its guests are 10.1.0.1-10.1.0.254\)\n {2}- mtu: 20 is out of range; MTU must be 68..65535/,
    );
    await settle();
    expect(networks().length).toBe(before);
  });

  it("refuses a libvirt name already declared on the host, naming both", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    new virtkit.SriovNic(uniq("nic"), { host, pf: "enp59s0f0" });
    expect(() => new virtkit.VirtualNetwork(uniq("pool"), { host, mode: "hostdev", pf: "enp59s0f0", name: "sriov-enp59s0f0" })).toThrow(
      /name: network "sriov-enp59s0f0" on host hv\d+ is already declared by SriovNic "nic\d+"/,
    );
  });
});

describe("NICs on a VirtualNetwork", () => {
  it("a VM takes the network itself or with the NIC's own settings, and its domain depends on the network", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices, reservedCpus: "0-1,32-33" });
    const lan = new virtkit.VirtualNetwork(uniq("lan"), { host, mode: "nat", ipv4: { address: "10.9.0.1/24", dhcp: { start: "10.9.0.2", end: "10.9.0.254" } } });
    const ovs = new virtkit.VirtualNetwork(uniq("ovs"), { host, mode: "openvswitch", bridge: "ovsbr0" });
    const vfs = new virtkit.VirtualNetwork(uniq("vfs"), { host, mode: "hostdev", pf: "enp59s0f0" });
    const domain = captureChildren("libvirt:index/domain:Domain");
    const name = uniq("vm");
    new virtkit.PinnedVm(name, {
      host, vcpus: 2, memory: { size: "1GiB" },
      nics: [lan, { network: ovs, mac: "52:54:00:30:00:01", queues: 1 }, { network: vfs, trust: true }],
    }, { transformations: [domain.transformation] });
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    expect(d.inputs.devices.interfaces).toEqual([
      { source: { network: { network: lan.networkName } }, model: { type: "virtio" }, driver: { name: "vhost", queues: 2 } },
      { mac: { address: "52:54:00:30:00:01" }, source: { network: { network: ovs.networkName } }, model: { type: "virtio" } },
      { trustGuestRxFilters: "yes", source: { network: { network: vfs.networkName } } },
    ]);
    expect(domain.captured.at(-1)?.opts.dependsOn).toEqual([lan.network, ovs.network, vfs.network]);
  });

  it("refuses a network of another host, and a model or queues on a VF pool, each with its path", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const other = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const far = new virtkit.VirtualNetwork(uniq("far"), { host: other, mode: "isolated" });
    const vfs = new virtkit.VirtualNetwork(uniq("vfs"), { host, mode: "hostdev", pf: "enp59s0f0" });
    const lan = new virtkit.VirtualNetwork(uniq("lan"), { host, mode: "bridge", bridge: "br0" });
    const before = domains().length;
    let error: InstanceType<typeof virtkit.VirtkitValidationError> | undefined;
    try {
      new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, nics: [far, { network: vfs, model: "e1000", queues: 2 }, { network: lan, trust: true }] });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.issues).toEqual([
      { path: "nics[0]", reason: expect.stringMatching(/^VirtualNetwork "far\d+" is on host hv\d+, not on hv\d+$/) },
      { path: "nics[1].model", reason: expect.stringMatching(/a pool of SR-IOV VFs, is a VF: it has no model/) },
      { path: "nics[1].queues", reason: expect.stringMatching(/it has no virtio queues/) },
      { path: "nics[2].trust", reason: expect.stringMatching(/trust is for VFs; VirtualNetwork "lan\d+" is a "bridge" network/) },
    ]);
    await settle();
    expect(domains().length).toBe(before);
  });
});
