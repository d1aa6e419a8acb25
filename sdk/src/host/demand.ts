import type { PciAddress } from "../schema/pci";

/**
 * The vocabulary of placement: what a VM asks of a host (a demand), where its parts go (a
 * placement), and what goes wrong (issues). Plain data; the ledger and the planners use it.
 */

/** A device a VM asks for: an SR-IOV VF (any free one of a PF, or a given one) or a whole PCI device. */
export type DeviceDemand =
  | {
      readonly kind: "vf";
      /** Component the device belongs to, e.g. `SriovNic "fast"`. */
      readonly owner: string;
      /** Field path reported in issues, e.g. `nics[0]`. */
      readonly path: string;
      /** The PF to take a VF from: netdev name (`enp59s0f0`), PCI address or nodedev name. */
      readonly pf?: string;
      /** A specific VF. */
      readonly address?: PciAddress;
    }
  | { readonly kind: "pci"; readonly owner: string; readonly path: string; readonly address: PciAddress };

/** What one VM needs from a host. Built by the components from their validated specs. */
export interface VmDemand {
  /** Display name of the component, e.g. `PinnedVm "db"`; unique per host. */
  readonly owner: string;
  readonly vcpus: number;
  /** Guest SMT (`cpu.topology.threads`); above 1, auto pinning gives whole host cores, guest thread siblings on host thread siblings. */
  readonly threadsPerCore: number;
  /** `"auto"`, or parsed cpusets: one per vCPU, and optionally for the emulator and each iothread. */
  readonly pinning: "auto" | { readonly vcpus: readonly (readonly number[])[]; readonly emulator?: readonly number[]; readonly iothreads?: readonly (readonly number[])[] };
  /** Number of iothreads to place. */
  readonly iothreads: number;
  /** `housekeeping`: emulator and iothreads on the reserved CPUs of the VM's node (or all reserved CPUs); `dedicated`: CPUs of their own. */
  readonly emulator: "housekeeping" | "dedicated";
  /** `local`: everything on one host node, or an error; `spread`: may span nodes when one node cannot hold the VM. */
  readonly numa: "local" | "spread";
  /** Guest NUMA cells (vCPU ids and memory in bytes); each is placed on one host node. */
  readonly guestCells?: readonly { readonly vcpus: readonly number[]; readonly memoryBytes: number; readonly hostNodes?: readonly number[] }[];
  /** Guest memory; `pageSizeBytes` undefined means ordinary memory (counted per node, no pool check). */
  readonly memory: { readonly bytes: number; readonly pageSizeBytes?: number; readonly hostNodes?: readonly number[] };
  readonly devices: readonly DeviceDemand[];
  /** A device on another NUMA node than the VM's vCPUs is an error instead of a warning. */
  readonly strictLocality?: boolean;
}

/** One problem with a demand: whose, which field, why, and the other component involved. */
export interface LedgerIssue {
  readonly owner: string;
  readonly path: string;
  readonly reason: string;
  /** The other component in a conflict, e.g. the VM already holding the CPU. */
  readonly other?: string;
  /**
   * What the issue is, for callers that act on it rather than print it. `took-locked-share`: the
   * demand fitted only in the share the placement lock keeps for VMs not placed yet, and took it
   * (only with `takeLockedShares`); `virtkit plan` then runs again with the lock pruned.
   */
  readonly kind?: "took-locked-share";
}

/** Where a VM's parts go on its host. Host CPU ids and NUMA node ids as in `virsh capabilities`. */
export interface Placement {
  /** Host CPUs of each vCPU (index = vCPU) and the node they are on. */
  readonly vcpus: readonly { readonly vcpu: number; readonly hostCpus: readonly number[]; readonly node: number }[];
  /** Host CPUs of the emulator threads; empty means not pinned (no reserved CPUs on the host). */
  readonly emulator: readonly number[];
  /** Host CPUs of each iothread; ids start at 1 as in libvirt. */
  readonly iothreads: readonly { readonly id: number; readonly hostCpus: readonly number[] }[];
  /** Guest memory per host node; `pages` is set for hugepage memory. */
  readonly memory: readonly { readonly node: number; readonly bytes: number; readonly pageSizeBytes?: number; readonly pages?: number }[];
  /** Host node of each guest NUMA cell. */
  readonly guestCells: readonly { readonly cell: number; readonly hostNode: number }[];
  /** Devices in demand order, with the VF chosen for a PF request. */
  readonly devices: readonly { readonly path: string; readonly address: PciAddress; readonly node: number | undefined; readonly pf?: string }[];
  /** Host nodes of the vCPUs, sorted. */
  readonly nodes: readonly number[];
}

/** Outcome of placing a demand: a placement when there are no errors. */
export interface PlaceResult {
  readonly placement?: Placement;
  readonly errors: readonly LedgerIssue[];
  readonly warnings: readonly LedgerIssue[];
}

/** Who holds a host CPU exclusively, and as what (`vcpu 3`, `emulator`, `iothread 1`). */
export interface CpuHold {
  readonly owner: string;
  readonly role: string;
}

/** A device held by a VM: the device component, the VM, and what was handed out. */
export interface DeviceHold {
  /** Device component, e.g. `SriovNic "fast"`. */
  readonly owner: string;
  /** The VM it is attached to, e.g. `PinnedVm "db"`. */
  readonly vm: string;
  readonly path: string;
  readonly kind: "vf" | "pci";
  readonly address: PciAddress;
  /** The PF of a VF (netdev name, else PCI address). */
  readonly pf?: string;
  readonly iommuGroup?: number;
}

