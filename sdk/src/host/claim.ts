import { formatPciAddress } from "../schema/pci";
import { planCpus } from "./cpuPlanning";
import type { DeviceDemand, DeviceHold, LedgerIssue, PlaceResult, Placement, VmDemand } from "./demand";
import { localityIssues, resolveDevice, type DeviceChoice } from "./deviceResolution";
import { Draft, PoolMap, type LedgerView } from "./draft";
import { planHelpers } from "./helperCpus";
import { planMemory } from "./memoryPlanning";

/** What a placed VM holds on the host, to be written into the ledger on commit. */
export interface ClaimHolds {
  /** Host CPUs held exclusively, with the role of each. */
  readonly cpus: ReadonlyMap<number, string>;
  /** Hugepages drafted per pool. */
  readonly pages: PoolMap<number>;
  readonly devices: readonly DeviceHold[];
}

/**
 * One demand planned against one state of a ledger: its result (placement, errors, warnings)
 * and what it would hold. Planning claims nothing; `HostLedger.commit(claim)` writes exactly
 * this into the ledger, and refuses a claim planned before the ledger last changed.
 */
export class PlacementClaim {
  /**
   * @param ledger the ledger it was planned on (identity only)
   * @param revision that ledger's revision when it was planned
   * @param holds what is committed; undefined when the demand does not fit
   */
  constructor(
    readonly ledger: object,
    readonly revision: number,
    readonly hostName: string,
    readonly owner: string,
    readonly result: PlaceResult,
    readonly holds: ClaimHolds | undefined,
  ) {}

  /** Whether the demand fitted only by taking the share the placement lock keeps for VMs not placed yet. */
  get tookLockedShare(): boolean {
    return this.result.warnings.some((w) => w.kind === "took-locked-share");
  }

  /** The same claim with one more issue (a warning, or an error that leaves it without placement). */
  with(issue: LedgerIssue, as: "warning" | "error"): PlacementClaim {
    const r = this.result;
    const result: PlaceResult = as === "warning" ? { ...r, warnings: [...r.warnings, issue] } : { ...r, errors: [...r.errors, issue] };
    return new PlacementClaim(this.ledger, this.revision, this.hostName, this.owner, result, as === "warning" ? this.holds : undefined);
  }
}

/** A demand's result and holds, before they are tied to a ledger revision. */
export interface Drafted {
  readonly result: PlaceResult;
  readonly holds?: ClaimHolds;
}

/**
 * Plans one demand against the ledger's committed claims: the demand checked, devices
 * pinned to a PF or address first (they decide the preferred node), then vCPUs, memory,
 * emulator and iothreads, then the other devices near the vCPUs.
 * @param ignoreLocks plan as if the placement lock kept nothing for VMs not placed yet
 */
export function draftDemand(view: LedgerView, demand: VmDemand, ignoreLocks: boolean): Drafted {
  const draft = new Draft(view, demand.owner, ignoreLocks);
  const errors: LedgerIssue[] = [];
  const warnings: LedgerIssue[] = [];
  const fail = (): Drafted => ({ result: { errors, warnings } });
  errors.push(...demandIssues(view, demand));
  if (errors.length > 0) return fail();

  const taken = new Map<string, DeviceChoice>();
  const chosen = new Map<DeviceDemand, DeviceChoice>();
  const choose = (d: DeviceDemand, preferNodes: readonly number[]) => {
    const choice = resolveDevice(draft, demand, d, taken, preferNodes, errors);
    if (choice) {
      taken.set(formatPciAddress(choice.address), choice);
      chosen.set(d, choice);
    }
  };
  demand.devices.forEach((d, i) => {
    const listed = listingIssue(view, demand, i);
    if (listed) return void errors.push(listed);
    if (d.kind !== "vf" || d.pf !== undefined || d.address !== undefined) choose(d, []);
  });
  if (errors.length > 0) return fail();

  const cpuPlan = planCpus(draft, demand, [...chosen.values()].map((c) => c.node), errors, warnings);
  if (!cpuPlan) return fail();
  const nodes = [...new Set(cpuPlan.vcpuNodes)].sort((a, b) => a - b);
  if (draft.memory.length === 0) errors.push(...planMemory(draft, demand, cpuPlan, warnings));
  const { emulator, iothreads } = planHelpers(draft, demand, nodes, errors);

  for (const d of demand.devices) {
    if (!chosen.has(d) && !errors.some((e) => e.owner === d.owner && e.path === d.path)) choose(d, nodes);
  }
  (demand.strictLocality ? errors : warnings).push(...localityIssues(demand, chosen.values(), nodes));
  if (errors.length > 0) return fail();

  const devices = demand.devices.map((d): DeviceHold => {
    const c = chosen.get(d)!;
    return { owner: d.owner, vm: demand.owner, path: d.path, kind: d.kind, address: c.address, ...(c.pf ? { pf: c.pf } : {}), ...(c.iommuGroup !== undefined ? { iommuGroup: c.iommuGroup } : {}) };
  });
  const placement: Placement = {
    vcpus: cpuPlan.vcpuCpus.map((hostCpus, vcpu) => ({ vcpu, hostCpus: [...hostCpus], node: cpuPlan.vcpuNodes[vcpu] })),
    emulator,
    iothreads,
    memory: [...draft.memory].sort((a, b) => a.node - b.node).map((m) => ({ ...m })),
    guestCells: cpuPlan.guestCells.map((g) => ({ ...g })),
    devices: demand.devices.map((d) => {
      const c = chosen.get(d)!;
      return { path: d.path, address: { ...c.address }, node: c.node, ...(c.pf ? { pf: c.pf } : {}) };
    }),
    nodes,
  };
  return { result: { placement: deepFreeze(placement), errors, warnings }, holds: { cpus: draft.cpus, pages: draft.pages, devices } };
}

/** What is wrong with the demand before anything is chosen: a VM placed twice, or no vCPU count. */
function demandIssues(view: LedgerView, demand: VmDemand): LedgerIssue[] {
  if (view.isPlaced(demand.owner)) {
    return [{ owner: demand.owner, path: "", reason: `is already placed on host ${view.hostName}; names must be unique per host`, other: demand.owner }];
  }
  if (!Number.isInteger(demand.vcpus) || demand.vcpus < 1) return [{ owner: demand.owner, path: "vcpus", reason: `${demand.vcpus} is not a vCPU count` }];
  return [];
}

/** Device `i` of the demand listed twice, or already attached to another VM. */
function listingIssue(view: LedgerView, demand: VmDemand, i: number): LedgerIssue | undefined {
  const d = demand.devices[i];
  const dup = demand.devices.findIndex((o) => o.owner === d.owner);
  if (dup !== i) return { owner: d.owner, path: d.path, reason: `is listed twice for ${demand.owner} (also at ${demand.devices[dup].path})` };
  const held = view.heldBy(d.owner);
  if (held) return { owner: d.owner, path: d.path, reason: `is already attached to ${held.vm}; a device serves one VM`, other: held.vm };
  return undefined;
}

/** Placements are shared between callers and the ledger; freezing them keeps "never moves" true. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
