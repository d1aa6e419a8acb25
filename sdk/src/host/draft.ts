import type { PciAddress } from "../schema/pci";
import type { CpuHold, DeviceHold } from "./demand";
import type { HostDevices } from "./devices";
import type { HostCpu, HostModel } from "./model";

/** A hugepage pool: the pages of one size on one host NUMA node. */
export interface PoolKey {
  readonly node: number;
  readonly sizeBytes: number;
}

/** Values by hugepage pool, keyed by node then page size (no key strings). */
export class PoolMap<T> {
  private readonly byNode = new Map<number, Map<number, T>>();

  get({ node, sizeBytes }: PoolKey): T | undefined {
    return this.byNode.get(node)?.get(sizeBytes);
  }

  set({ node, sizeBytes }: PoolKey, value: T): void {
    let sizes = this.byNode.get(node);
    if (!sizes) this.byNode.set(node, (sizes = new Map()));
    sizes.set(sizeBytes, value);
  }

  /** Every pool with its value, by node then in insertion order of sizes. */
  *entries(): IterableIterator<[PoolKey, T]> {
    for (const [node, sizes] of this.byNode) for (const [sizeBytes, value] of sizes) yield [{ node, sizeBytes }, value];
  }
}

/** The ledger as the planners read it: committed claims and the placement lock, nothing drafted. */
export interface LedgerView {
  readonly hostName: string;
  readonly host: HostModel;
  readonly index: HostIndex;
  readonly reserved: ReadonlySet<number>;
  readonly devices: HostDevices;
  cpuHolder(cpu: number): CpuHold | undefined;
  /** Claims on a hugepage pool, in claim order. */
  pageClaims(node: number, sizeBytes: number): readonly { readonly owner: string; readonly pages: number }[];
  /** The VM a placement lock keeps a host CPU for, when it is another VM not placed yet in this run. */
  lockHolder(cpu: number, owner: string): string | undefined;
  /** Pages of a pool a placement lock keeps for VMs other than `owner` not placed yet in this run. */
  lockedPages(node: number, sizeBytes: number, owner: string): number;
  /** The VM a placement lock keeps a VF or PCI device for, when it is another VM than `owner` not placed yet. */
  lockedDeviceHolder(address: PciAddress, owner: string): string | undefined;
  /** Who holds a PCI device or VF, if anyone. */
  deviceHolder(address: PciAddress): DeviceHold | undefined;
  /** What a device component (`SriovNic "fast"`) holds, if it is attached. */
  heldBy(deviceOwner: string): DeviceHold | undefined;
  /** Devices held in an IOMMU group. */
  groupHolders(group: number): readonly DeviceHold[];
  /** Whether a VM of that name is placed already. */
  isPlaced(owner: string): boolean;
}

/**
 * The claims of one demand while it is being planned. Nothing reaches the ledger until
 * the whole demand fits, so a failed placement leaves no half state behind.
 */
export class Draft {
  readonly cpus = new Map<number, string>();
  readonly pages = new PoolMap<number>();
  readonly memory: { node: number; bytes: number; pageSizeBytes?: number; pages?: number }[] = [];

  /**
   * @param ignoreLocks plan as if the placement lock kept nothing for VMs not placed yet: a
   *   demand that fits nowhere else may then take their share (`takeLockedShares`)
   */
  constructor(readonly view: LedgerView, readonly owner: string, readonly ignoreLocks = false) {}

  /**
   * Free for this VM: on the host, not reserved, not held by another VM nor kept for one by the
   * placement lock (this draft's own CPUs count as taken).
   */
  isFree(cpu: number): boolean {
    return !this.view.reserved.has(cpu) && !this.view.cpuHolder(cpu) && !this.cpus.has(cpu) && (this.ignoreLocks || !this.view.lockHolder(cpu, this.owner));
  }

  take(cpus: readonly number[], role: string): void {
    for (const c of cpus) if (!this.cpus.has(c)) this.cpus.set(c, role);
  }

  freePages(node: number, sizeBytes: number): { free: number; total: number } {
    const pool = this.view.host.nodes.find((n) => n.id === node)?.pages.find((p) => p.sizeBytes === sizeBytes);
    const total = pool?.count ?? 0;
    const locked = this.ignoreLocks ? 0 : this.view.lockedPages(node, sizeBytes, this.owner);
    const used = this.view.pageClaims(node, sizeBytes).reduce((s, c) => s + c.pages, 0) + locked;
    return { free: total - used - (this.pages.get({ node, sizeBytes }) ?? 0), total };
  }

  /** The VM the placement lock keeps a device for (`forOwner`: whose view; "" counts every locked VM), unless locks are ignored. */
  lockedDevice(address: PciAddress, forOwner = this.owner): string | undefined {
    return this.ignoreLocks ? undefined : this.view.lockedDeviceHolder(address, forOwner);
  }
}

/**
 * Lookups over an immutable host model, built once per ledger: placing a VM then costs
 * map reads instead of scans of the host's CPUs and devices.
 */
export class HostIndex {
  readonly cpus: ReadonlyMap<number, HostCpu>;
  private readonly coresByNode = new Map<number, readonly (readonly number[])[]>();
  private readonly smtByNode = new Map<number, number>();

  constructor(host: HostModel) {
    this.cpus = new Map(host.cpus.map((c) => [c.id, c]));
    const seen = new Set<string>();
    for (const c of host.cpus) {
      // Cores in order of their first CPU id, so picks are deterministic.
      const key = c.siblings.join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      if (!this.coresByNode.has(c.node)) this.coresByNode.set(c.node, []);
      (this.coresByNode.get(c.node) as (readonly number[])[]).push(c.siblings);
      this.smtByNode.set(c.node, Math.max(this.smtByNode.get(c.node) ?? 1, c.siblings.length));
    }
  }

  /** Host cores of a node, each as its thread-sibling list. */
  cores(node: number): readonly (readonly number[])[] {
    return this.coresByNode.get(node) ?? [];
  }

  /** Most threads per core on a node (1 without SMT). */
  threadsPerCore(node: number): number {
    return this.smtByNode.get(node) ?? 1;
  }
}
