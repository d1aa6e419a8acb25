import { RunError } from "@pulumi/pulumi";
import { VirtkitValidationError } from "../../sdk/src/errors";
import { parseOrThrow } from "../../sdk/src/schema/validate";
import { VmSpec, type VmSpecInput } from "../../sdk/src/schema/vm";
import { NetworkSpec } from "../../sdk/src/schema/network";
import { VolumeSpec } from "../../sdk/src/schema/storage";

/** A valid VM; each case below breaks exactly one thing in it. */
const base = (): Record<string, unknown> => ({
  name: "vm1",
  vcpus: 4,
  memory: { size: "4GiB" },
});

type Case = [title: string, input: Record<string, unknown>, path: string, reason: RegExp];

const withVm = (patch: Record<string, unknown>): Record<string, unknown> => ({ ...base(), ...patch });

const cases: Case[] = [
  ["negative memory size", withVm({ memory: { size: "-1GiB" } }), "memory.size", /negative/],
  ["negative byte count", withVm({ memory: { size: -4096 } }), "memory.size", /not a positive size/],
  ["zero memory", withVm({ memory: { size: 0 } }), "memory.size", /not a positive size/],
  ["fractional bytes", withVm({ memory: { size: 1.5 } }), "memory.size", /not a whole number of bytes/],
  ["decimal unit GB", withVm({ memory: { size: "4GB" } }), "memory.size", /IEC unit/],
  ["unit without number", withVm({ memory: { size: "GiB" } }), "memory.size", /not a size/],
  ["lower-case unit", withVm({ memory: { size: "4gib" } }), "memory.size", /not a size/],
  ["size of wrong type", withVm({ memory: { size: true } }), "memory.size", /expected a size/],
  ["zero vCPUs", withVm({ vcpus: 0 }), "vcpus", /out of range/],
  ["fractional vCPUs", withVm({ vcpus: 2.5 }), "vcpus", /not a whole number/],
  ["topology product differs from vCPUs", withVm({ cpu: { topology: { sockets: 1, cores: 3, threads: 1 } } }), "cpu.topology", /= 3, but vcpus is 4/],
  ["topology with zero cores", withVm({ cpu: { topology: { sockets: 1, cores: 0, threads: 4 } } }), "cpu.topology.cores", /out of range/],
  ["custom mode without model", withVm({ cpu: { mode: "custom" } }), "cpu.model", /needs a named model/],
  ["model with host-passthrough", withVm({ cpu: { mode: "host-passthrough", model: "Skylake-Server" } }), "cpu.model", /only applies to mode "custom"/],
  ["host-passthrough under TCG", withVm({ domainType: "qemu", cpu: { mode: "host-passthrough" } }), "cpu.mode", /host-passthrough needs domainType "kvm".*use "maximum"/],
  ["unknown feature policy", withVm({ cpu: { features: [{ name: "avx", policy: "enable" }] } }), "cpu.features[0].policy", /require|Invalid option/],
  ["feature set twice", withVm({ cpu: { features: [{ name: "avx", policy: "require" }, { name: "avx", policy: "disable" }] } }), "cpu.features[1].name", /already set by features\[0\]/],
  ["pinning to CPU -1", withVm({ pinning: { vcpus: ["0", "1", "-1", "3"] } }), "pinning.vcpus[2]", /"-1" .* is not a CPU id or range/],
  ["pinning to a-b", withVm({ pinning: { vcpus: ["0", "a-b", "2", "3"] } }), "pinning.vcpus[1]", /"a-b" .* is not a CPU id or range/],
  ["pinning range backwards", withVm({ pinning: { vcpus: ["0", "1", "5-3", "3"] } }), "pinning.vcpus[2]", /runs backwards/],
  ["pinning excludes everything", withVm({ pinning: { vcpus: ["0", "1", "2", "3,^3"] } }), "pinning.vcpus[3]", /selects no CPU/],
  ["pinning beyond libvirt's CPU limit", withVm({ pinning: { vcpus: ["0", "1", "2", "16384"] } }), "pinning.vcpus[3]", /exceeds libvirt's limit/],
  ["fewer cpusets than vCPUs", withVm({ pinning: { vcpus: ["0", "1"] } }), "pinning.vcpus", /has 2 cpusets but the guest has 4 vCPUs/],
  ["pinning mode misspelt", withVm({ pinning: "automatic" }), "pinning", /is not a pinning/],
  ["more iothread pins than iothreads", withVm({ iothreads: 1, pinning: { vcpus: ["0", "1", "2", "3"], iothreads: ["4", "5"] } }), "pinning.iothreads", /pins 2 iothreads but the guest has 1/],
  ["realtime priority 0", withVm({ realtime: { scheduler: "fifo", priority: 0 } }), "realtime.priority", /out of range; priority must be 1..99/],
  ["realtime vCPU sharing the emulator's CPU", withVm({ pinning: { vcpus: ["4", "5", "6", "7"], emulator: "7" }, realtime: { scheduler: "fifo", priority: 99 } }), "pinning.vcpus[3]", /vCPU 3 runs at real-time priority but shares its host CPU with the emulator \(host CPU 7\)/],
  ["realtime vCPUs sharing a CPU", withVm({ pinning: { vcpus: ["4", "4", "6", "7"] }, realtime: { scheduler: "rr", priority: 5, vcpus: "0" } }), "pinning.vcpus[0]", /shares its host CPU with vCPU 1 \(host CPU 4\)/],
  ["realtime without pinning", withVm({ realtime: { scheduler: "fifo", priority: 1 } }), "realtime", /real-time vCPUs need pinning/],
  ["realtime on a missing vCPU", withVm({ realtime: { scheduler: "rr", priority: 5, vcpus: "2-5" } }), "realtime.vcpus", /vCPU 4-5 does not exist/],
  ["memory not whole 1GiB pages", withVm({ memory: { size: "1536MiB", hugepages: { pageSize: "1GiB" } } }), "memory.size", /^1536MiB is not a whole number of 1GiB pages$/],
  ["memory not whole 2MiB pages", withVm({ memory: { size: 3 * 1024 * 1024, hugepages: { pageSize: "2MiB" } } }), "memory.size", /3MiB is not a whole number of 2MiB pages/],
  ["hugepage size not offered", withVm({ memory: { size: "4GiB", hugepages: { pageSize: "4MiB" } } }), "memory.hugepages.pageSize", /"2MiB" or "1GiB"/],
  ["hugepages on a missing guest cell", withVm({ memory: { size: "4GiB", hugepages: { pageSize: "2MiB", guestNodes: "1" } } }), "memory.hugepages.guestNodes", /guest cell 1 does not exist; the guest has no NUMA cells/],
  ["NUMA cells overlap", withVm({ numa: { cells: [{ cpus: "0-2", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }] } }), "numa.cells[1].cpus", /vCPU 2 is already in cell 0/],
  ["NUMA cells miss a vCPU", withVm({ numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2", memory: "2GiB" }] } }), "numa.cells", /vCPU 3 belongs to no cell/],
  ["NUMA cell memory does not add up", withVm({ numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "1GiB" }] } }), "numa.cells", /adds up to 3GiB but memory.size is 4GiB/],
  ["NUMA cell names a missing vCPU", withVm({ numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-4", memory: "2GiB" }] } }), "numa.cells[1].cpus", /vCPU 4 does not exist/],
  ["NUMA cell memory not whole pages", withVm({ memory: { size: "3GiB", hugepages: { pageSize: "1GiB" } }, numa: { cells: [{ cpus: "0-1", memory: "1536MiB" }, { cpus: "2-3", memory: "1536MiB" }] } }), "numa.cells[0].memory", /1536MiB is not a whole number of 1GiB pages/],
  ["numatune mode unknown", withVm({ numa: { mode: "bind" } }), "numa.mode", /strict|Invalid option/],
  ["memnode for a missing cell", withVm({ numa: { memnodes: [{ cell: 2, hostNodes: "0" }] } }), "numa.memnodes[0].cell", /guest cell 2 does not exist/],
  ["malformed PCI address", withVm({ hostdevs: [{ address: "3b:2.10" }] }), "hostdevs[0].address", /is not a PCI address/],
  ["PCI slot above 0x1f", withVm({ hostdevs: [{ address: "0000:3b:20.0" }] }), "hostdevs[0].address", /slot 0x20 is above 0x1f/],
  ["same PCI device twice", withVm({ hostdevs: [{ address: "0000:af:00.0" }, { address: "af:00.0" }] }), "hostdevs[1].address", /0000:af:00.0 is already used by hostdevs\[0\]/],
  ["malformed MAC", withVm({ nics: [{ type: "network", network: "default", mac: "52:54:00:zz:00:01" }] }), "nics[0].mac", /is not a MAC address/],
  ["multicast MAC", withVm({ nics: [{ type: "vf", address: "0000:3b:02.0", mac: "01:54:00:00:00:01" }] }), "nics[0].mac", /multicast/],
  ["duplicate MAC", withVm({ nics: [{ type: "network", network: "a", mac: "52:54:00:00:00:01" }, { type: "network", network: "b", mac: "52:54:00:00:00:01" }] }), "nics[1].mac", /already used by nics\[0\]/],
  ["VLAN tag out of range", withVm({ nics: [{ type: "vf", address: "0000:3b:02.0", vlan: 4096 }] }), "nics[0].vlan", /0..4094/],
  ["the reserved VLAN 4095", withVm({ nics: [{ type: "vf", address: "0000:3b:02.0", vlan: 4095 }] }), "nics[0].vlan", /4095 is out of range; VLAN tag must be 0..4094/],
  ["the all-zero MAC", withVm({ nics: [{ type: "network", network: "default", mac: "00:00:00:00:00:00" }] }), "nics[0].mac", /all-zero address/],
  ["an interface alias as a bridge", withVm({ nics: [{ type: "bridge", bridge: "eth0:1" }] }), "nics[0].bridge", /an alias like "eth0:1" is not an interface/],
  ["memory that is not a whole KiB", withVm({ memory: { size: 1000000 } }), "memory.size", /1000000 bytes is not a whole number of KiB/],
  ["a NUMA cell that is not a whole KiB", withVm({ numa: { cells: [{ cpus: "0-3", memory: 4 * 1024 ** 3 - 1 }] } }), "numa.cells[0].memory", /not a whole number of KiB/],
  ["control characters in a disk's file", withVm({ disks: [{ source: { file: "/srv/a\u0001b.qcow2" } }] }), "disks[0].source.file", /without control characters/],
  ["a null disk", withVm({ disks: [null] }), "disks[0]", /.+/],
  ["native I/O over the host cache", withVm({ disks: [{ source: { file: "/srv/a.qcow2" }, cache: "writeback" }] }), "disks[0].io", /"native" needs cache "none" or "directsync" \(O_DIRECT\), not "writeback"/],
  ["a virtio name for a scsi disk", withVm({ disks: [{ source: { file: "/srv/a.qcow2" }, bus: "scsi", target: "vdb" }] }), "disks[0].target", /"vdb" is not a scsi disk name; scsi disks are named sdX/],
  ["an iothread on a sata disk", withVm({ iothreads: 1, disks: [{ source: { file: "/srv/a.qcow2" }, bus: "sata", iothread: 1 }] }), "disks[0].iothread", /iothreads serve virtio disks/],
  ["queues on an emulated NIC", withVm({ nics: [{ type: "network", network: "default", model: "e1000", queues: 4 }] }), "nics[0].queues", /multiqueue is a virtio feature; a "e1000" NIC has one queue/],
  ["more queues than a tap has", withVm({ nics: [{ type: "bridge", bridge: "br0", queues: 300 }] }), "nics[0].queues", /300 is out of range; queue count must be 1..256/],
  ["an unknown cache mode", withVm({ disks: [{ source: { file: "/srv/a.qcow2" }, cache: "fast" }] }), "disks[0].cache", /.+/],
  ["null NUMA cells", withVm({ numa: { cells: [null, { cpus: "0-3", memory: "4GiB" }] } }), "numa.cells[0]", /.+/],
  ["a null expander bus", withVm({ expanderBuses: [null], hostdevs: [{ address: "0000:af:00.0" }] }), "expanderBuses[0]", /.+/],
  ["unknown NIC type", withVm({ nics: [{ type: "macvtap" }] }), "nics[0].type", /"network", "bridge", "direct", "vhostuser", "vf" or "hostdev-network"/],
  ["a vhost-user NIC on ordinary memory", withVm({ nics: [{ type: "vhostuser", path: "/run/vhu.sock" }] }), "nics[0]", /vhost-user NIC needs the guest's memory on shared hugepages.*HugepageMemory with shared: true/],
  ["a vhost-user NIC on private hugepages", withVm({ memory: { size: "4GiB", hugepages: { pageSize: "2MiB" } }, nics: [{ type: "vhostuser", path: "/run/vhu.sock" }] }), "nics[0]", /memory.access "shared"/],
  ["a vhost-user NIC on shared memory without hugepages", withVm({ memory: { size: "4GiB", access: "shared", source: "memfd" }, nics: [{ type: "vhostuser", path: "/run/vhu.sock" }] }), "nics[0]", /shared hugepages/],
  ["a vhost-user socket by a relative path", withVm({ nics: [{ type: "vhostuser", path: "vhu.sock" }] }), "nics[0].path", /absolute path/],
  ["a vhost-user mode that is not server or client", withVm({ memory: { size: "4GiB", hugepages: { pageSize: "2MiB" }, access: "shared" }, nics: [{ type: "vhostuser", path: "/run/vhu.sock", mode: "listen" }] }), "nics[0].mode", /"server" \(QEMU creates the socket\) or "client"/],
  ["a macvtap mode libvirt lacks", withVm({ nics: [{ type: "direct", dev: "eth0", mode: "bridged" }] }), "nics[0].mode", /expected a macvtap mode: "bridge", "vepa", "passthrough" or "private"/],
  ["queues on an emulated macvtap NIC", withVm({ nics: [{ type: "direct", dev: "eth0", model: "e1000", queues: 2 }] }), "nics[0].queues", /multiqueue is a virtio feature/],
  ["an OVS interface id that is no UUID", withVm({ nics: [{ type: "bridge", bridge: "ovsbr0", virtualport: { type: "openvswitch", interfaceId: "port-1" } }] }), "nics[0].virtualport.interfaceId", /expected a UUID/],
  ["a virtualport type other than openvswitch", withVm({ nics: [{ type: "bridge", bridge: "br0", virtualport: { type: "802.1Qbh" } }] }), "nics[0].virtualport.type", /.+/],
  ["NIC model not offered", withVm({ nics: [{ type: "network", network: "default", model: "ne2k" }] }), "nics[0].model", /virtio|Invalid option/],
  ["name with <", withVm({ name: "web<1>" }), "name", /contains "<" which is not allowed/],
  ["name with &", withVm({ name: "a&b" }), "name", /contains "&" which is not allowed/],
  ["name with a double quote", withVm({ name: 'say"hi' }), "name", /contains "\\"" which is not allowed/],
  ["name with a single quote", withVm({ name: "it's" }), "name", /contains "'" which is not allowed/],
  ["name with /", withVm({ name: "../etc/passwd" }), "name", /contains "\." which is not allowed|contains "\/"/],
  ["name with / inside", withVm({ name: "a/b" }), "name", /contains "\/" which is not allowed/],
  ["empty name", withVm({ name: "" }), "name", /name is empty/],
  ["disk target reused", withVm({ disks: [{ source: { file: "/a.qcow2" }, target: "vda" }, { source: { file: "/b.qcow2" }, target: "vda" }] }), "disks[1].target", /"vda" is already used by disks\[0\]/],
  ["disk on a missing iothread", withVm({ disks: [{ source: { file: "/a.qcow2" }, iothread: 1 }] }), "disks[0].iothread", /iothread 1 does not exist/],
  ["disk source relative path", withVm({ disks: [{ source: { file: "a.qcow2" } }] }), "disks[0].source.file", /expected an absolute path/],
  ["expander bus for a missing cell", withVm({ hostdevs: [{ address: "0000:af:00.0" }], expanderBuses: [{ guestNode: 1 }] }), "expanderBuses[0].guestNode", /guest cell 1 does not exist/],
  ["unknown chipset", withVm({ chipset: "pc" }), "chipset", /q35|Invalid option/],
  ["VF behind a missing guest cell", withVm({ nics: [{ type: "vf", address: "0000:3b:02.0", guestNode: 3 }], numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }] } }), "nics[0].guestNode", /guest cell 3 does not exist; the guest has cells 0-1/],
  ["hostdev behind a missing guest cell", withVm({ hostdevs: [{ address: "0000:af:00.0", guestNode: 1 }] }), "hostdevs[0].guestNode", /guest cell 1 does not exist; the guest has no NUMA cells/],
  ["two expander buses for one cell", withVm({ hostdevs: [{ address: "0000:af:00.0" }], numa: { cells: [{ cpus: "0-3", memory: "4GiB" }] }, expanderBuses: [{ guestNode: 0 }, { guestNode: 0 }] }), "expanderBuses[1].guestNode", /already has expanderBuses\[0\]/],
  ["two expander buses with one bus number", withVm({ hostdevs: [{ address: "0000:af:00.0" }], numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }] }, expanderBuses: [{ guestNode: 0, busNr: 200 }, { guestNode: 1, busNr: 200 }] }), "expanderBuses[1].busNr", /bus number 200 is already used/],
  ["spanning without guest cells", withVm({ numa: { allowSpanning: true } }), "numa.allowSpanning", /needs at least two guest NUMA cells/],
];

describe("a VM spec with one bad field", () => {
  it("has at least 30 distinct cases", () => {
    expect(new Set(cases.map((c) => c[0])).size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("%s is refused at its path with its reason", (_title, input, path, reason) => {
    let error: unknown;
    try {
      parseOrThrow(VmSpec, input, 'PinnedVm "vm1"');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VirtkitValidationError);
    const v = error as VirtkitValidationError;
    expect(v.component).toBe('PinnedVm "vm1"');
    const atPath = v.issues.filter((i) => i.path === path);
    expect(atPath.map((i) => i.reason)).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
    expect(v.message).toContain(`${path}: `);
  });
});

describe("validation errors", () => {
  it("collect every problem of one spec in a single error", () => {
    const input = withVm({ name: "a<b", vcpus: 4, cpu: { topology: { sockets: 1, cores: 3, threads: 1 } }, memory: { size: "1536MiB", hugepages: { pageSize: "1GiB" } }, pinning: { vcpus: ["0", "a-b", "2", "-1"] } });
    try {
      parseOrThrow(VmSpec, input, 'PinnedVm "x"');
      throw new Error("accepted");
    } catch (e) {
      const paths = (e as VirtkitValidationError).issues.map((i) => i.path).sort();
      expect(paths).toEqual(["cpu.topology", "memory.size", "name", "pinning.vcpus[1]", "pinning.vcpus[3]"]);
      expect((e as Error).message).toMatch(/^PinnedVm "x": 5 problems\n/);
    }
  });

  it("names the field in the message of a single problem", () => {
    expect(() => parseOrThrow(VmSpec, withVm({ memory: { size: "1536MiB", hugepages: { pageSize: "1GiB" } } }), 'PinnedVm "db"')).toThrow(
      'PinnedVm "db": memory.size: 1536MiB is not a whole number of 1GiB pages',
    );
  });

  it("raise an error the Pulumi engine prints as a plain message, without a stack trace", () => {
    let error: unknown;
    try {
      parseOrThrow(VmSpec, withVm({ vcpus: 0 }), 'PinnedVm "db"');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VirtkitValidationError);
    // the language host hides the stack of exactly these (RunError.isInstance)
    expect(RunError.isInstance(error)).toBe(true);
  });

  it("quote at most a few hundred characters of what the user gave", () => {
    let error: unknown;
    try {
      parseOrThrow(VmSpec, withVm({ name: "x".repeat(100_000) }), `PinnedVm "${"y".repeat(100_000)}"`);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message.length).toBeLessThan(2000);
    expect((error as VirtkitValidationError).reason).toMatch(/… \(\d+ more characters\)$/);
  });

  it.each([
    ["cache", { cache: "fast" }],
    ["bus", { bus: "ide", target: "vdb", iothread: 1 }],
  ])("say a bad %s once, as its own problem", (field, disk) => {
    let error: unknown;
    try {
      parseOrThrow(VmSpec, withVm({ iothreads: 1, disks: [{ source: { file: "/srv/a.qcow2" }, ...disk }] }), 'PinnedVm "vm1"');
    } catch (e) {
      error = e;
    }
    expect((error as VirtkitValidationError).issues.map((i) => i.path)).toEqual([`disks[0].${field}`]);
  });

  it("accept the valid base VM", () => {
    const vm = parseOrThrow(VmSpec, base() as VmSpecInput, "x");
    expect(vm.memory.size).toBe(4 * 1024 ** 3);
    expect(vm.chipset).toBe("q35");
  });

  it("accept hugepages on some guest cells when only those cells are whole pages", () => {
    const vm = parseOrThrow(VmSpec, withVm({ memory: { size: "1280MiB", hugepages: { pageSize: "1GiB", guestNodes: "1" } }, numa: { cells: [{ cpus: "0-1", memory: "256MiB" }, { cpus: "2-3", memory: "1GiB" }] } }), "x");
    expect(vm.memory.hugepages?.guestNodes).toEqual([1]);
  });

  it("refuse a hostdev network without a PF name", () => {
    expect(() => parseOrThrow(NetworkSpec, { mode: "hostdev", name: "sriov" }, 'SriovNic "n"')).toThrow(/pf/);
  });

  it("refuse a volume backing store that is not an absolute path", () => {
    expect(() => parseOrThrow(VolumeSpec, { name: "v", pool: "default", capacity: "1GiB", backingStore: { path: "base.qcow2" } }, 'Qcow2Volume "v"')).toThrow(
      /backingStore.path: expected the absolute path of the base volume/,
    );
  });
});

describe("virtual networks: addresses are judged with the field they are in", () => {
  const nat = (ipv4: Record<string, unknown>) => ({ mode: "nat", name: "lan", ipv4 });
  const issuesOf = (input: unknown) => {
    try {
      parseOrThrow(NetworkSpec, input, 'VirtualNetwork "lan"');
    } catch (e) {
      return (e as { issues: { path: string; reason: string }[] }).issues;
    }
    throw new Error("accepted");
  };
  it.each([
    ["an address without its prefix", nat({ address: "10.0.0.1" }), "ipv4.address", /expected CIDR like "192.168.10.1\/24"/],
    ["an octet above 255", nat({ address: "10.0.300.1/24" }), "ipv4.address", /"10.0.300.1" is not an IPv4 address/],
    ["a /31, which leaves no guests", nat({ address: "10.0.0.1/31" }), "ipv4.address", /prefix length \/31 is out of range; a virtual network's subnet is \/8 to \/30/],
    ["the network address as the host's", nat({ address: "10.0.0.0/24" }), "ipv4.address", /10.0.0.0 is the network address of 10.0.0.0\/24; give the host's own address in it, e.g. 10.0.0.1\/24/],
    ["the broadcast address as the host's", nat({ address: "10.0.0.255/24" }), "ipv4.address", /broadcast address/],
    ["a DHCP start on the network address", nat({ address: "10.0.0.254/24", dhcp: { start: "10.0.0.0", end: "10.0.0.200" } }), "ipv4.dhcp.start", /10.0.0.0 is outside the subnet 10.0.0.0\/24 \(its guests are 10.0.0.1-10.0.0.254\)/],
    ["a DHCP end on the broadcast address", nat({ address: "10.0.0.1/24", dhcp: { start: "10.0.0.10", end: "10.0.0.255" } }), "ipv4.dhcp.end", /outside the subnet/],
    ["a DHCP range backwards", nat({ address: "10.0.0.1/24", dhcp: { start: "10.0.0.200", end: "10.0.0.100" } }), "ipv4.dhcp.end", /10.0.0.100 comes before the start 10.0.0.200/],
    ["a DHCP range holding the host's address", nat({ address: "10.0.0.50/24", dhcp: { start: "10.0.0.2", end: "10.0.0.100" } }), "ipv4.dhcp", /holds the host's own address 10.0.0.50; leave it out/],
    ["a malformed DHCP address", nat({ address: "10.0.0.1/24", dhcp: { start: "10.0.0", end: "10.0.0.100" } }), "ipv4.dhcp.start", /"10.0.0" is not an IPv4 address/],
    ["a NAT network without a subnet", { mode: "nat", name: "lan" }, "ipv4", /.+/],
    ["an unknown mode", { mode: "routed", name: "lan" }, "mode", /"nat", "isolated", "bridge", "openvswitch" or "hostdev"/],
    ["a bridge network without its bridge", { mode: "bridge", name: "lan" }, "bridge", /.+/],
    ["a VLAN on a VF pool past 4094", { mode: "hostdev", name: "vfs", pf: "enp59s0f0", vlan: 4095 }, "vlan", /0..4094/],
    ["an MTU below IPv4's minimum", { mode: "isolated", name: "lan", mtu: 60 }, "mtu", /60 is out of range; MTU must be 68..65535/],
  ])("%s", (_what, input, path, reason) => {
    expect(issuesOf(input)).toEqual([{ path, reason: expect.stringMatching(reason) }]);
  });

  it("every problem of both DHCP ends at once", () => {
    expect(issuesOf(nat({ address: "192.168.1.1/24", dhcp: { start: "192.168.2.1", end: "192.168.0.1" } })).map((i) => i.path)).toEqual(["ipv4.dhcp.start", "ipv4.dhcp.end", "ipv4.dhcp.end"]);
  });

  it("accepts a range that fills the subnet but for the host", () => {
    const net = parseOrThrow(NetworkSpec, nat({ address: "172.16.0.1/30", dhcp: { start: "172.16.0.2", end: "172.16.0.2" } }), "n");
    expect(net).toMatchObject({ ipv4: { address: "172.16.0.1", prefix: 30, dhcp: { start: "172.16.0.2", end: "172.16.0.2" } } });
  });
});
