import { formatCpuset } from "../schema/cpuset";
import { formatPciAddress } from "../schema/pci";
import type { PlaceResult, Placement, VmDemand } from "./allocator";
import type { HostLedger, LockedEntry } from "./ledger";
import { lockedRequestOf, type LockedRequest } from "./placementLock";

/** How a VM's placement relates to the lock: kept as locked, placed afresh (not locked), or re-placed because the locked one no longer fits. */
export type LockOutcome = "kept" | "new" | "re-placed";

export interface LockedPlaceResult extends PlaceResult {
  readonly lock: LockOutcome;
}

/**
 * Places a VM honouring its locked placement, if the ledger has one: the locked host CPUs,
 * emulator and iothread CPUs and devices are taken again (memory follows the vCPUs' nodes as
 * it did), checked like explicit pins. Explicit pins in the spec still win over the lock.
 * When the locked placement no longer fits (the VM grew, the host changed, an explicit pin
 * of another VM took a CPU) the VM is placed afresh, with a warning naming why.
 */
export function placeWithLock(ledger: HostLedger, demand: VmDemand): LockedPlaceResult {
  const entry = ledger.lockedPlacement(demand.owner);
  if (!entry) return { ...ledger.place(demand), lock: "new" };
  const locked = entry.placement;
  const attempt = lockedDemand(ledger, demand, entry);
  let why: string;
  if (typeof attempt === "string") why = attempt;
  else {
    const trial = ledger.plan(attempt);
    if (trial.placement) return { ...ledger.place(attempt), lock: "kept" };
    why = trial.errors.map((e) => `${e.path ? `${e.path}: ` : ""}${e.reason}`).join("; ");
  }
  const fresh = ledger.place(demand);
  if (!fresh.placement) return { ...fresh, lock: "re-placed" };
  const reason = `its locked placement no longer fits (${why}); re-placed from ${where(locked)} to ${where(fresh.placement)}`;
  return { ...fresh, warnings: [{ owner: demand.owner, path: "", reason }, ...fresh.warnings], lock: "re-placed" };
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
