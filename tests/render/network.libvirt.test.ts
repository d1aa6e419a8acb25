import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseXml, renderNetworkXml, renderVm } from "../../sdk/src/render";
import { NetworkSpec, type NetworkSpecInput } from "../../sdk/src/schema/network";
import { parseOrThrow } from "../../sdk/src/schema/validate";
import { domainOf, type Node } from "../support/domainFacts";
import { describeWith, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { vmSpec } from "../support/vms";

/** Each mode of a VirtualNetwork, judged by libvirt's network schema, its test driver and the real network driver. */

const tag = `${process.pid}`;
const network = (input: NetworkSpecInput) => parseOrThrow(NetworkSpec, input, "test network");

const modes = (): NetworkSpecInput[] => [
  { mode: "nat", name: `vk-nat-${tag}`, bridge: `vknat${tag}`.slice(0, 15), mtu: 9000, ipv4: { address: "10.201.0.1/24", dhcp: { start: "10.201.0.100", end: "10.201.0.199" } } },
  { mode: "isolated", name: `vk-iso-${tag}`, ipv4: { address: "10.202.0.1/16", dhcp: { start: "10.202.1.0", end: "10.202.1.255" } } },
  { mode: "bridge", name: `vk-br-${tag}`, bridge: "br0" },
  { mode: "openvswitch", name: `vk-ovs-${tag}`, bridge: "ovsbr0", vlan: 42 },
  { mode: "hostdev", name: `vk-vfs-${tag}`, pf: "enp59s0f0", vlan: 7 },
];

/** What libvirt keeps of a network: forward mode and PF, bridge, MTU, addresses, OVS port type, VLAN. */
function networkFacts(xml: string) {
  const n = parseXml(xml.slice(xml.indexOf("<network")), ["range", "pf", "tag", "ip"]).network as Node;
  return {
    forward: n.forward?.["@_mode"],
    pfs: (n.forward?.pf ?? []).map((p: Node) => p["@_dev"]),
    bridge: n.bridge?.["@_name"],
    mtu: n.mtu?.["@_size"],
    ip: (n.ip ?? []).map((ip: Node) => [ip["@_address"], ip["@_prefix"], ...(ip.dhcp?.range ?? []).flatMap((r: Node) => [r["@_start"], r["@_end"]])]),
    virtualport: n.virtualport?.["@_type"],
    vlan: (n.vlan?.tag ?? []).map((t: Node) => t["@_id"]),
  };
}

/** Written from the inputs above, not from the renderer. */
const expected = [
  { forward: "nat", pfs: [], bridge: `vknat${tag}`.slice(0, 15), mtu: "9000", ip: [["10.201.0.1", "24", "10.201.0.100", "10.201.0.199"]], virtualport: undefined, vlan: [] },
  { forward: undefined, pfs: [], bridge: undefined, mtu: undefined, ip: [["10.202.0.1", "16", "10.202.1.0", "10.202.1.255"]], virtualport: undefined, vlan: [] },
  { forward: "bridge", pfs: [], bridge: "br0", mtu: undefined, ip: [], virtualport: undefined, vlan: [] },
  { forward: "bridge", pfs: [], bridge: "ovsbr0", mtu: undefined, ip: [], virtualport: "openvswitch", vlan: ["42"] },
  { forward: "hostdev", pfs: ["enp59s0f0"], bridge: undefined, mtu: undefined, ip: [], virtualport: undefined, vlan: ["7"] },
];

describeWith("virsh", "virtual networks on libvirt's schema and test driver", () => {
  it.each(modes().map((m, i) => [m.mode, m, i] as const))("a %s network validates, defines and starts, and libvirt keeps what it says", (_mode, input, i) => {
    const net = network(input);
    const xml = renderNetworkXml(net);
    expect(virtXmlValidate(xml, "network").output).toContain("validates");
    const out = virsh("test:///default", [`net-define ${tempXml(xml, "net.xml")}`, `net-start ${net.name}`, `net-dumpxml ${net.name}`]);
    expect(networkFacts(out)).toEqual(expected[i]);
  });

  it("a domain with a virtio NIC on a NAT network and a VF from a pool starts once the networks are up", () => {
    const [nat, , , , vfs] = modes().map(network);
    const name = `on-nets-${tag}`;
    const { xml } = renderVm(vmSpec({ name, vcpus: 2, domainType: "qemu", pinning: { vcpus: ["0", "1"] }, memory: { size: "256MiB" }, nics: [
      { type: "network", network: nat.name, mac: "52:54:00:20:00:01" },
      { type: "hostdev-network", network: vfs.name, vlan: 7 },
    ] }));
    const nets = [nat, vfs].flatMap((n) => [`net-define ${tempXml(renderNetworkXml(n), `${n.name}.xml`)}`, `net-start ${n.name}`]);
    const out = virsh("test:///default", [...nets, `define ${tempXml(xml)}`, `start ${name}`, `domstate ${name}`, `dumpxml ${name}`]);
    expect(out).toMatch(/^running$/m);
    const nics = (domainOf(out.slice(out.indexOf("<domain"))).devices.interface as Node[]).map((i) => [i["@_type"], i.source["@_network"], i.driver?.["@_queues"]]);
    expect(nics).toEqual([["network", nat.name, "2"], ["network", vfs.name, undefined]]);
  });
});

describeWith("qemuDaemon", "virtual networks on the real network driver (qemu:///system)", () => {
  const onSystem = (commands: string[]) => virsh("qemu:///system", commands);
  const undefine = (name: string) => spawnSync("virsh", ["-c", "qemu:///system", `net-destroy ${name} ; net-undefine ${name}`], { encoding: "utf8" });

  it.each(modes().map((m, i) => [m.mode, m, i] as const))("a %s network is defined as written", (_mode, input, i) => {
    const net = network(input);
    try {
      const out = onSystem([`net-define ${tempXml(renderNetworkXml(net), "net.xml")}`, `net-dumpxml --inactive ${net.name}`]);
      // libvirt names the bridge of an isolated network itself
      expect(networkFacts(out)).toEqual(i === 1 ? { ...expected[i], bridge: expect.stringMatching(/^virbr\d+$/) } : expected[i]);
    } finally {
      undefine(net.name);
    }
  });

  it.each([3, 2])("%s: the bridge and Open vSwitch networks start (they only point at a bridge the host has)", (i) => {
    const net = network(modes()[i]);
    try {
      const out = onSystem([`net-define ${tempXml(renderNetworkXml(net), "net.xml")}`, `net-start ${net.name}`, `net-info ${net.name}`]);
      expect(out).toMatch(/Active:\s+yes/);
    } finally {
      undefine(net.name);
    }
  });

  // scripts/setup installs iptables and dnsmasq-base, which every libvirt network with an address needs
  it.each([0, 1])("%s: the NAT and isolated networks start, with libvirt's dnsmasq serving their DHCP range", (i) => {
    const net = network(modes()[i]);
    const range = expected[i].ip[0].slice(2).join(",");
    try {
      const out = onSystem([`net-define ${tempXml(renderNetworkXml(net), "net.xml")}`, `net-start ${net.name}`, `net-info ${net.name}`]);
      expect(out).toMatch(/Active:\s+yes/);
      expect(readFileSync(`/var/lib/libvirt/dnsmasq/${net.name}.conf`, "utf8")).toContain(`dhcp-range=${range}`);
      const dnsmasq = spawnSync("pgrep", ["-f", `dnsmasq/${net.name}.conf`], { encoding: "utf8" });
      expect(dnsmasq.stdout.trim()).not.toBe("");
    } finally {
      undefine(net.name);
    }
  });
});
