import { parseOrThrow } from "../../sdk/src/schema/validate";
import { VmSpec, type VmSpecInput } from "../../sdk/src/schema/vm";

/** Parsed VM specs used across render tests. Host CPUs and nodes fit libvirt's test host (16 CPUs, nodes 0-1). */
export function vmSpec(input: VmSpecInput): VmSpec {
  return parseOrThrow(VmSpec, input, `test VM "${String(input.name)}"`);
}

/** Two guest cells on two host nodes, 1 GiB pages, SMT topology, explicit pins, a VF and a passed-through device behind per-node expander buses. */
export const nfvInput = (hostNodeOfCell1 = 1): VmSpecInput => ({
  name: "nfv-a",
  vcpus: 4,
  cpu: { mode: "host-passthrough", topology: { sockets: 2, cores: 1, threads: 2 }, features: [{ name: "invtsc", policy: "require" }] },
  pinning: { vcpus: ["2", "3", "10", "11"], emulator: "0-1", iothreads: ["1"] },
  iothreads: 1,
  realtime: { scheduler: "fifo", priority: 10, vcpus: "1-3" },
  memory: { size: "4GiB", hugepages: { pageSize: "1GiB" }, locked: true, nosharepages: true },
  numa: {
    cells: [
      { cpus: "0-1", memory: "2GiB" },
      { cpus: "2-3", memory: "2GiB", memAccess: "shared" },
    ],
    mode: "strict",
    memnodes: [
      { cell: 0, hostNodes: "0" },
      { cell: 1, hostNodes: String(hostNodeOfCell1) },
    ],
  },
  disks: [{ source: { file: "/var/lib/libvirt/images/nfv-a.qcow2" }, iothread: 1 }],
  nics: [
    { type: "network", network: "default", mac: "52:54:00:aa:00:01" },
    { type: "vf", address: "0000:3b:02.1", mac: "52:54:00:aa:00:02", vlan: 100, trust: true, guestNode: 0 },
  ],
  hostdevs: [{ address: "0000:af:00.0", guestNode: 1 }],
  expanderBuses: [{ guestNode: 0 }, { guestNode: 1 }],
  chipset: "q35",
});

/** A legacy i440fx guest with 2 MiB pages on guest cell 0 only and a PCI expander bus. */
export const legacyInput = (): VmSpecInput => ({
  name: "legacy-b",
  vcpus: 2,
  cpu: { mode: "custom", model: "qemu64", check: "none", features: [{ name: "sse4.2", policy: "require" }, { name: "svm", policy: "disable" }] },
  pinning: { vcpus: ["4-5", "4-5"], emulator: "6" },
  memory: { size: "1GiB", hugepages: { pageSize: "2MiB", guestNodes: "0" } },
  numa: { cells: [{ cpus: "0", memory: "512MiB" }, { cpus: "1", memory: "512MiB" }], mode: "interleave", hostNodes: "0" },
  nics: [{ type: "bridge", bridge: "br0", model: "e1000" }],
  hostdevs: [{ address: "0000:d8:00.0", guestNode: 0 }],
  expanderBuses: [{ guestNode: 0, busNr: 100 }],
  chipset: "i440fx",
});
