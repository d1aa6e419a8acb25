import { formatCpuset } from "../schema/cpuset";
import { formatPciAddress } from "../schema/pci";
import type { PlacementClaim } from "./claim";
import type { LedgerIssue, PlaceResult, Placement, VmDemand } from "./demand";
import type { HostLedger, LockedEntry } from "./ledger";
import { lockedRequestOf, type LockedRequest } from "./placementLock";

/** How a VM's placement relates to the lock: kept as locked, placed afresh (not locked), or re-placed because the locked one no longer fits. */
export type LockOutcome = "kept" | "new" | "re-placed";

export interface LockedPlaceResult extends PlaceResult {
  readonly lock: LockOutcome;
  /**
   * The VM fitted only by taking the share the placement lock keeps for locked VMs not placed
   * yet (a warning of kind `took-locked-share` says whose); only with `takeLockedShares`.
   */
  readonly tookLockedShare: boolean;
}

/** A placement planned honouring the lock: the result to report, and the claim to commit to the ledger. */
export interface LockedPlan {
  readonly result: LockedPlaceResult;
  readonly claim: PlacementClaim;
}

/**
 * Plans a VM honouring its locked placement, if the ledger has one, claiming nothing: the
 * locked host CPUs, emulator and iothread CPUs and devices are taken again (memory follows the
 * vCPUs' nodes as it did), checked like explicit pins. Explicit pins in the spec still win over
 * the lock. When the locked placement no longer fits (the VM grew, the host changed, an explicit
 * pin of another VM took a CPU) the VM is planned afresh, with a warning naming why.
 * `ledger.commit(plan.claim)` then claims it, as long as nothing was committed in between.
 */
export function planPlacementWithLock(ledger: HostLedger, demand: VmDemand): LockedPlan {
  const entry = ledger.lockedPlacement(demand.owner);
  if (!entry) return lockedPlan(ledger.plan(demand), "new");
  const locked = entry.placement;
  const attempt = lockedDemand(ledger, demand, entry);
  let why: string;
  if (typeof attempt === "string") why = attempt;
  else {
    const trial = ledger.fit(attempt);
    if (trial.result.placement) return lockedPlan(trial, "kept");
    why = trial.result.errors.map((e) => `${e.path ? `${e.path}: ` : ""}${e.reason}`).join("; ");
  }
  const fresh = ledger.plan(demand);
  if (!fresh.result.placement) return lockedPlan(fresh, "re-placed");
  const reason = `its locked placement no longer fits (${why}); re-placed from ${where(locked)} to ${where(fresh.result.placement)}`;
  return lockedPlan(fresh, "re-placed", { owner: demand.owner, path: "", reason });
}

function lockedPlan(claim: PlacementClaim, lock: LockOutcome, warning?: LedgerIssue): LockedPlan {
  const r = claim.result;
  return { claim, result: { ...r, ...(warning ? { warnings: [warning, ...r.warnings] } : {}), lock, tookLockedShare: claim.tookLockedShare } };
}

/** Places a VM honouring its locked placement: {@link planPlacementWithLock}, then the claim committed. */
export function placeWithLock(ledger: HostLedger, demand: VmDemand): LockedPlaceResult {
  const { result, claim } = planPlacementWithLock(ledger, demand);
  ledger.commit(claim);
  return result;
}

/** The fields of a request whose change leaves a locked vCPU layout meaningless. */
const LAYOUT: readonly (keyof LockedRequest)[] = ["vcpus", "threadsPerCore", "iothreads", "emulator", "numa", "guestCells"];

/** The demand with the locked placement written in as explicit pins and device addresses, or why that cannot be. */
function lockedDemand(ledger: HostLedger, demand: VmDemand, { placement: locked, request: was }: LockedEntry): VmDemand | string {
  const now = lockedRequestOf(demand);
  const changed = LAYOUT.filter((k) => JSON.stringify(now[k]) !== JSON.stringify(was[k]));
  if (changed.length) return changed.map((k) => `${k} ${JSON.stringify(was[k])} → ${JSON.stringify(now[k])}`).join(", ");
  const explicit = demand.pinning === "auto" ? undefined : demand.pinning;
  if (demand.emulator === "housekeeping" && !explicit?.emulator) {
    const unreserved = locked.emulator.filter((c) => !ledger.reserved.has(c));
    if (unreserved.length) return `its emulator ran on housekeeping CPU ${formatCpuset(unreserved)}, which the host no longer reserves`;
  }
  const lockedDevice = new Map(locked.devices.map((d) => [d.path, d.address]));
  return {
    ...demand,
    pinning: {
      vcpus: explicit?.vcpus ?? locked.vcpus.map((v) => v.hostCpus),
      emulator: explicit?.emulator ?? (locked.emulator.length ? locked.emulator : undefined),
      iothreads: explicit?.iothreads ?? (demand.iothreads > 0 ? locked.iothreads.map((t) => t.hostCpus) : undefined),
    },
    devices: demand.devices.map((d) => (d.kind !== "vf" || d.address || !lockedDevice.has(d.path) ? d : { ...d, address: lockedDevice.get(d.path) })),
  };
}

/** Host CPUs and nodes of a placement, for messages: `host CPUs 2,34,3,35 (node 0)`. */
function where(p: Placement): string {
  const cpus = p.vcpus.flatMap((v) => v.hostCpus);
  const devices = p.devices.length ? `, devices ${p.devices.map((d) => formatPciAddress(d.address)).join(",")}` : "";
  return `host CPUs ${cpus.join(",")} (node ${p.nodes.join(",")})${devices}`;
}
