import { formatCpuset } from "../schema/cpuset";
import { formatPciAddress, type PciAddress } from "../schema/pci";
import { HostModelError } from "./capabilities";
import { draftDemand, PlacementClaim, type Drafted } from "./claim";
import type { CpuHold, DeviceHold, PlaceResult, Placement, VmDemand } from "./demand";
import { HostDevices } from "./devices";
import { HostIndex, PoolMap, type LedgerView } from "./draft";
import { FreeRoom } from "./freeRoom";
import type { HostModel } from "./model";
import type { LockedRequest } from "./placementLock";

export type { DeviceHold } from "./demand";
export { PlacementClaim } from "./claim";

/** What one VM holds on the host, as `claims()` lists it. */
export interface LedgerClaim {
  readonly owner: string;
  readonly placement: Placement;
  /** Host CPUs held exclusively, with the role of each (`vcpu 0`, `emulator`, `iothread 1`). */
  readonly cpus: readonly { readonly cpu: number; readonly role: string }[];
  readonly devices: readonly DeviceHold[];
}

/** Options of a {@link HostLedger}. */
export interface HostLedgerOptions {
  /** Host CPUs kept for the host and for VMs' housekeeping threads; never given to vCPUs. Default none. */
  readonly reservedCpus?: readonly number[];
  /**
   * Placements of an earlier run (the placement lock), by owner (`PinnedVm "db"`). Until its VM
   * is placed, what a locked placement holds is kept from other VMs' auto placement, so a new VM
   * takes what is free and never what a locked VM declared later in the program will want back.
   * Explicit pins and explicit device addresses are not kept from: they win.
   */
  readonly locked?: ReadonlyMap<string, LockedEntry>;
  /** Let a demand that fits nowhere else take the share of locked VMs not placed yet, with a warning. Default false: refuse it. */
  readonly takeLockedShares?: boolean;
}

/** A VM's entry in the placement lock: its placement and what it asked for then. */
export interface LockedEntry {
  readonly placement: Placement;
  readonly request: LockedRequest;
}

/** Raised by {@link HostLedger.commit} for a claim planned on another ledger, or before this one last changed. */
export class LedgerClaimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerClaimError";
  }
}

/**
 * The book of what VMs hold on one host: CPUs, hugepages per node and page size, VFs and
 * PCI devices. `plan` checks a VM against everything committed before and returns a claim
 * without claiming anything; `commit` appends that claim. `place` does both. A VM already
 * placed never moves, and a demand that fails claims nothing. Deterministic: the same
 * demands in the same order give the same placements.
 */
export class HostLedger implements LedgerView {
  readonly reserved: ReadonlySet<number>;
  readonly index: HostIndex;
  readonly devices: HostDevices;
  private readonly deviceOwners = new Map<string, DeviceHold>();
  private readonly groups = new Map<number, DeviceHold[]>();
  private readonly cpuHolders = new Map<number, CpuHold>();
  private readonly pools = new PoolMap<{ owner: string; pages: number }[]>();
  private readonly deviceHolders = new Map<string, DeviceHold>();
  private readonly entries: LedgerClaim[] = [];
  private readonly lockedPlacements = new Map<string, LockedEntry>();
  private readonly lockedCpus = new Map<number, string>();
  private readonly lockedVfs = new Map<string, string>();
  private readonly takeLockedShares: boolean;
  private readonly room: FreeRoom;
  /** Bumped by every change (a commit, locks added): a claim planned at another revision is stale. */
  private revision = 0;

  /**
   * @param hostName name used in messages, e.g. the LibvirtHost component's name
   * @throws HostModelError when a reserved CPU is not a CPU of the host
   */
  constructor(readonly hostName: string, readonly host: HostModel, options: HostLedgerOptions = {}) {
    const ids = new Set(host.cpus.map((c) => c.id));
    const unknown = (options.reservedCpus ?? []).filter((c) => !ids.has(c));
    if (unknown.length > 0) {
      throw new HostModelError(
        `host ${hostName} has no CPU ${formatCpuset(unknown)} (its CPUs are ${formatCpuset(ids) || "none"})`,
        "reservedCpus",
      );
    }
    this.reserved = new Set(options.reservedCpus ?? []);
    this.index = new HostIndex(host);
    this.devices = new HostDevices(host);
    this.room = new FreeRoom(host, this.index, this.reserved, this.devices);
    this.takeLockedShares = options.takeLockedShares ?? false;
    this.addLocked(options.locked ?? new Map());
  }

  /** Adds locked placements (of another LibvirtHost of this hypervisor); a CPU or device locked twice stays with the first. */
  addLocked(locked: ReadonlyMap<string, LockedEntry>): void {
    for (const [owner, entry] of locked) {
      if (this.lockedPlacements.has(owner)) continue;
      this.lockedPlacements.set(owner, entry);
      const p = entry.placement;
      const cpus = [...p.vcpus.flatMap((v) => v.hostCpus), ...p.emulator, ...p.iothreads.flatMap((t) => t.hostCpus)];
      for (const c of cpus) if (!this.reserved.has(c) && !this.lockedCpus.has(c)) this.lockedCpus.set(c, owner);
      for (const d of p.devices) if (!this.lockedVfs.has(formatPciAddress(d.address))) this.lockedVfs.set(formatPciAddress(d.address), owner);
      this.revision++;
    }
  }

  /** The locked placement of `owner`, from the placement lock, if it has one. */
  lockedPlacement(owner: string): LockedEntry | undefined {
    return this.lockedPlacements.get(owner);
  }

  /** A locked VM keeps its share until it is placed (then its claims hold it) or until a demand that fits nowhere else takes it. */
  private pendingLock(holder: string | undefined, owner: string): string | undefined {
    if (holder === undefined || holder === owner || this.isPlaced(holder)) return undefined;
    return holder;
  }

  lockHolder(cpu: number, owner: string): string | undefined {
    return this.pendingLock(this.lockedCpus.get(cpu), owner);
  }

  lockedPages(node: number, sizeBytes: number, owner: string): number {
    let pages = 0;
    for (const [holder, { placement: p }] of this.lockedPlacements) {
      if (!this.pendingLock(holder, owner)) continue;
      for (const m of p.memory) if (m.node === node && m.pageSizeBytes === sizeBytes) pages += m.pages ?? 0;
    }
    return pages;
  }

  lockedDeviceHolder(address: PciAddress, owner: string): string | undefined {
    return this.pendingLock(this.lockedVfs.get(formatPciAddress(address)), owner);
  }

  cpuHolder(cpu: number): CpuHold | undefined {
    return this.cpuHolders.get(cpu);
  }

  pageClaims(node: number, sizeBytes: number): readonly { owner: string; pages: number }[] {
    return this.pools.get({ node, sizeBytes }) ?? [];
  }

  /** Host CPUs neither reserved nor held by a VM. */
  freeCpuCount(): number {
    return this.index.cpus.size - this.reserved.size - this.cpuHolders.size;
  }

  /**
   * Why the demand cannot fit now, from counts of free CPUs, pages and VFs kept as claims are
   * committed: a few map reads, no plan. Undefined when it may fit: only {@link fit} can tell.
   * Never rules out a demand that {@link plan} or {@link fit} would place (locked shares count as free).
   */
  ruledOut(demand: VmDemand): string | undefined {
    return this.room.ruledOut(demand);
  }

  /** Who holds a PCI device or VF, if anyone. */
  deviceHolder(address: PciAddress): DeviceHold | undefined {
    return this.deviceHolders.get(formatPciAddress(address));
  }

  heldBy(deviceOwner: string): DeviceHold | undefined {
    return this.deviceOwners.get(deviceOwner);
  }

  groupHolders(group: number): readonly DeviceHold[] {
    return this.groups.get(group) ?? [];
  }

  isPlaced(owner: string): boolean {
    return this.entries.some((e) => e.owner === owner);
  }

  /** Everything placed so far, in placement order. */
  claims(): readonly LedgerClaim[] {
    return this.entries;
  }

  /**
   * Plans a demand without claiming anything, as {@link place} would place it now. A demand that
   * fits only in the share the placement lock keeps for VMs not placed yet is refused, saying
   * whose share it is; with `takeLockedShares` it takes that share instead, with a warning of kind
   * `took-locked-share` (`virtkit plan` does so to learn which locked VMs a program still declares).
   */
  plan(demand: VmDemand): PlacementClaim {
    const claim = this.fit(demand);
    const pending = claim.result.placement ? [] : this.pendingOwners(demand.owner);
    if (pending.length === 0) return claim;
    if (this.takeLockedShares) {
      const taking = this.claimOf(demand, draftDemand(this, demand, true));
      if (!taking.result.placement) return taking;
      const reason = `fits only in the share the placement lock keeps for ${pending.join(", ")}, not declared before it; took it`;
      return taking.with({ owner: demand.owner, path: "", reason, kind: "took-locked-share" }, "warning");
    }
    if (!draftDemand(this, demand, true).result.placement) return claim;
    const many = pending.length > 1;
    const reason = `it fits only in the share the placement lock keeps for ${pending.join(", ")}, not declared before it: if ${many ? "they are" : "it is"} removed, \`virtkit plan\` drops ${many ? "them" : "it"} from the lock and frees ${many ? "their" : "its"} share`;
    return claim.with({ owner: demand.owner, path: "", reason }, "error");
  }

  /** Plans a demand as it fits now, honouring every share the placement lock keeps, with no lock policy on top (a dry run). */
  fit(demand: VmDemand): PlacementClaim {
    return this.claimOf(demand, draftDemand(this, demand, false));
  }

  /** Whether {@link fit} finds a placement now. */
  canPlace(demand: VmDemand): boolean {
    return this.fit(demand).result.placement !== undefined;
  }

  /**
   * Writes a planned claim into the ledger: exactly the CPUs, pages and devices it was planned
   * with. A claim without placement changes nothing. Returns the claim's result.
   * @throws LedgerClaimError for a claim planned on another ledger, or before this ledger last changed
   */
  commit(claim: PlacementClaim): PlaceResult {
    if (claim.ledger !== this) {
      throw new LedgerClaimError(`the claim of ${claim.owner} was planned on host ${claim.hostName}, not on this ledger of host ${this.hostName}`);
    }
    if (claim.revision !== this.revision) {
      throw new LedgerClaimError(`the claim of ${claim.owner} on host ${this.hostName} was planned before the ledger last changed (a commit or the placement lock); plan it again`);
    }
    const { result, holds } = claim;
    if (!result.placement || !holds) return result;
    const owner = claim.owner;
    for (const [cpu, role] of holds.cpus) this.cpuHolders.set(cpu, { owner, role });
    for (const [pool, pages] of holds.pages.entries()) this.pools.set(pool, [...(this.pools.get(pool) ?? []), { owner, pages }]);
    for (const d of holds.devices) {
      this.deviceHolders.set(formatPciAddress(d.address), d);
      this.deviceOwners.set(d.owner, d);
      if (d.iommuGroup !== undefined) this.groups.set(d.iommuGroup, [...(this.groups.get(d.iommuGroup) ?? []), d]);
    }
    const cpus = [...holds.cpus].map(([cpu, role]) => ({ cpu, role })).sort((a, b) => a.cpu - b.cpu);
    this.entries.push({ owner, placement: result.placement, cpus, devices: holds.devices });
    this.room.commit(holds);
    this.revision++;
    return result;
  }

  /** Plans a demand and, when it has no errors, commits it: {@link plan} then {@link commit}. */
  place(demand: VmDemand): PlaceResult {
    return this.commit(this.plan(demand));
  }

  private claimOf(demand: VmDemand, drafted: Drafted): PlacementClaim {
    return new PlacementClaim(this, this.revision, this.hostName, demand.owner, drafted.result, drafted.holds);
  }

  /** Locked VMs other than `owner` not placed yet in this run, sorted. */
  private pendingOwners(owner: string): string[] {
    return [...this.lockedPlacements.keys()].filter((holder) => this.pendingLock(holder, owner) !== undefined).sort();
  }
}
