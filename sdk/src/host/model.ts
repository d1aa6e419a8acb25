import type { PciAddress } from "../schema/pci";

/**
 * What virtkit knows of one libvirt host, parsed from `virsh capabilities` and
 * `virsh nodedev-dumpxml` documents. Plain data: the allocator and ledger read it.
 */
export interface HostModel {
  /** Host CPUs in id order. */
  readonly cpus: readonly HostCpu[];
  /** NUMA nodes (cells) in id order; a host without NUMA info is one node 0. */
  readonly nodes: readonly HostNumaNode[];
  /** PCI devices known from nodedev documents (empty when none were given). */
  readonly pciDevices: readonly HostPciDevice[];
}

export interface HostCpu {
  readonly id: number;
  readonly socketId: number;
  readonly dieId: number;
  readonly coreId: number;
  /** NUMA node this CPU belongs to. */
  readonly node: number;
  /** All CPU ids sharing this CPU's core, itself included, sorted (SMT thread siblings). */
  readonly siblings: readonly number[];
}

export interface HostNumaNode {
  readonly id: number;
  /** Memory of the node in bytes. */
  readonly memoryBytes: number;
  readonly cpuIds: readonly number[];
  /** Page pools of the node, the base (4 KiB) size included; `count` is the pool's size in pages. */
  readonly pages: readonly { readonly sizeBytes: number; readonly count: number }[];
  /** Distances to other nodes by node id (from `<distances>`), when the host reports them. */
  readonly distances: Readonly<Record<number, number>>;
}

export interface HostPciDevice {
  readonly address: PciAddress;
  /** libvirt nodedev name, e.g. `pci_0000_3b_00_0`. */
  readonly name: string;
  /** NUMA node of the device, undefined when the host does not report one. */
  readonly node: number | undefined;
  readonly iommuGroup: number | undefined;
  /** Network interface names of the device (`<capability type='net'>` children), e.g. `enp59s0f0`. */
  readonly netdevs: readonly string[];
  /** For an SR-IOV physical function: the addresses of its virtual functions, and how many it can have. */
  readonly sriov?: { readonly virtualFunctions: readonly PciAddress[]; readonly maxCount: number };
  /** For an SR-IOV virtual function: the address of its physical function. */
  readonly physicalFunction?: PciAddress;
  readonly vendor?: string;
  readonly product?: string;
}
