import { existsSync, readFileSync, rmSync } from "node:fs";
import { renderVm } from "../../sdk/src/render";
import type { VmSpecInput } from "../../sdk/src/schema/vm";
import { domainOf, type Node } from "../support/domainFacts";
import { argValues, describeWith, jsonArgs, qemuArgv, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { vmSpec } from "../support/vms";

/**
 * The NICs of pinned workloads beyond plain virtio: vhost-user (a user-space switch serves the
 * rings, on shared hugepages), macvtap in each mode, and Open vSwitch bridge ports, judged by
 * libvirt's schema, its test hypervisor and the real QEMU driver.
 */

const tag = `${process.pid}`;
const OVS_ID = "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f";

/** A small TCG guest on 2 MiB pages shared with other processes, as a vhost-user switch needs. */
const onSharedHugepages = (name: string, nics: VmSpecInput["nics"], vcpus = 2): VmSpecInput => ({
  name,
  vcpus,
  domainType: "qemu",
  pinning: { vcpus: [...Array(vcpus).keys()].map(String) },
  memory: { size: "32MiB", hugepages: { pageSize: "2MiB" }, access: "shared", source: "memfd" },
  nics,
});

const kinds = (): VmSpecInput["nics"] => [
  { type: "vhostuser", path: "/run/openvswitch/vhu-a", mode: "server", mac: "52:54:00:10:00:01" },
  { type: "vhostuser", path: "/run/openvswitch/vhu-b", mode: "client", queues: 1 },
  { type: "direct", dev: "eth0" },
  { type: "direct", dev: "eth0", mode: "vepa" },
  { type: "direct", dev: "enp59s0f0", mode: "passthrough", model: "e1000" },
  { type: "direct", dev: "eth0", mode: "private" },
  { type: "bridge", bridge: "ovsbr0", virtualport: { type: "openvswitch", interfaceId: OVS_ID, profileId: "gold" } },
  { type: "bridge", bridge: "ovsbr1", virtualport: { type: "openvswitch" } },
];

/** What libvirt keeps of each NIC: type, source, virtualport and queues. */
function nicFacts(xml: string) {
  return (domainOf(xml).devices.interface as Node[]).map((i) => ({
    type: i["@_type"],
    source: Object.fromEntries(Object.entries(i.source ?? {}).filter(([k]) => k.startsWith("@_"))),
    virtualport: i.virtualport && { type: i.virtualport["@_type"], ...(i.virtualport.parameters ?? {}) },
    model: i.model?.["@_type"],
    queues: i.driver?.["@_queues"],
  }));
}

describeWith("virsh", "vhost-user, macvtap and Open vSwitch NICs on libvirt's schema and test hypervisor", () => {
  it("every kind validates, and the test hypervisor keeps each NIC's source, mode, port identity and queues", () => {
    const name = `nics-${tag}`;
    const { xml } = renderVm(vmSpec(onSharedHugepages(name, kinds())));
    expect(virtXmlValidate(xml, "domain").output).toContain("validates");
    const out = virsh("test:///default", [`define ${tempXml(xml)}`, `start ${name}`, `dumpxml ${name}`]);
    const live = nicFacts(out.slice(out.indexOf("<domain")));
    // written from the spec above: a pinned 2-vCPU guest gets 2 queue pairs on each virtio NIC
    expect(live).toEqual([
      { type: "vhostuser", source: { "@_type": "unix", "@_path": "/run/openvswitch/vhu-a", "@_mode": "server" }, virtualport: undefined, model: "virtio", queues: "2" },
      { type: "vhostuser", source: { "@_type": "unix", "@_path": "/run/openvswitch/vhu-b", "@_mode": "client" }, virtualport: undefined, model: "virtio", queues: undefined },
      { type: "direct", source: { "@_dev": "eth0", "@_mode": "bridge" }, virtualport: undefined, model: "virtio", queues: "2" },
      { type: "direct", source: { "@_dev": "eth0", "@_mode": "vepa" }, virtualport: undefined, model: "virtio", queues: "2" },
      { type: "direct", source: { "@_dev": "enp59s0f0", "@_mode": "passthrough" }, virtualport: undefined, model: "e1000", queues: undefined },
      { type: "direct", source: { "@_dev": "eth0", "@_mode": "private" }, virtualport: undefined, model: "virtio", queues: "2" },
      { type: "bridge", source: { "@_bridge": "ovsbr0" }, virtualport: { type: "openvswitch", "@_interfaceid": OVS_ID, "@_profileid": "gold" }, model: "virtio", queues: "2" },
      // given no id, the port gets a stable one of virtkit's (libvirt would make up a new one at each define)
      { type: "bridge", source: { "@_bridge": "ovsbr1" }, virtualport: { type: "openvswitch", "@_interfaceid": expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) }, model: "virtio", queues: "2" },
    ]);
    expect(renderVm(vmSpec(onSharedHugepages(name, kinds()))).xml).toBe(xml);
  });
});

describeWith("qemuDaemon", "vhost-user, macvtap and Open vSwitch NICs through the real QEMU driver", () => {
  it("the QEMU driver defines every kind and keeps it as written", () => {
    const name = `nics-qemu-${tag}`;
    const { xml } = renderVm(vmSpec(onSharedHugepages(name, kinds())));
    try {
      const out = virsh("qemu:///system", [`define ${tempXml(xml)}`, `dumpxml --inactive ${name}`]);
      expect(nicFacts(out.slice(out.indexOf("<domain")))).toEqual(nicFacts(xml));
    } finally {
      virsh("qemu:///system", [`undefine ${name}`]);
    }
  });

  it("gives QEMU a shared hugepage backend, a vhost-user netdev on the socket with a queue pair per vCPU, and multiqueue virtio-net", () => {
    // A switch is not running here: with mode client, QEMU connects to the socket and fails after
    // libvirt has written the whole command line to the domain's log, which is what is judged.
    const name = `vhu-${tag}`;
    const socket = `/tmp/virtkit-${tag}-absent.sock`;
    const { xml } = renderVm(vmSpec(onSharedHugepages(name, [{ type: "vhostuser", path: socket, mode: "client" }], 2)));
    const log = `/var/log/libvirt/qemu/${name}.log`;
    let argv: string[];
    try {
      virsh("qemu:///system", [`define ${tempXml(xml)}`]);
      expect(() => virsh("qemu:///system", [`start ${name}`])).toThrow(/Failed to connect to '.*absent\.sock'/);
      expect(existsSync(log)).toBe(true);
      const text = readFileSync(log, "utf8");
      const line = text.slice(text.lastIndexOf("/usr/bin/qemu-system")).split(/\n\S*\d{4}-\d\d-\d\d/)[0];
      argv = line.replace(/\\\n/g, " ").split(/\s+/).filter(Boolean).map((w) => w.replace(/^'(.*)'$/, "$1"));
    } finally {
      virsh("qemu:///system", [`undefine ${name}`]);
      rmSync(log, { force: true });
    }
    const memory = jsonArgs(argv, "-object").find((o) => o.id === "pc.ram")!;
    expect([memory["qom-type"], memory.share]).toEqual(["memory-backend-memfd", true]);
    expect(memory.hugetlb).toBe(true);
    expect(argValues(argv, "-chardev").filter((c) => c.includes("charnet0"))).toEqual([`socket,id=charnet0,path=${socket}`]);
    expect(jsonArgs(argv, "-netdev")).toEqual([{ type: "vhost-user", chardev: "charnet0", queues: 2, id: "hostnet0" }]);
    expect(jsonArgs(argv, "-device").find((d) => d.driver === "virtio-net-pci")).toMatchObject({ mq: true, netdev: "hostnet0" });
  });

  it("domxml-to-native builds the shared hugepage memory a vhost-user NIC needs", () => {
    const { xml } = renderVm(vmSpec({ ...onSharedHugepages(`vhu-native-${tag}`, [{ type: "vhostuser", path: "/run/vhu.sock" }]), memory: { size: "32MiB", hugepages: { pageSize: "2MiB" }, access: "shared" } }));
    const ram = jsonArgs(qemuArgv(xml), "-object").find((o) => o.id === "pc.ram")!;
    expect([ram["qom-type"], ram.share]).toEqual(["memory-backend-file", true]);
    expect(ram["mem-path"]).toMatch(/^\/dev\/hugepages\//);
  });
});
