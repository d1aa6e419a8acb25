/** The host layer (2): host model from libvirt XML, placement, per-host ledger, capacity. No Pulumi here; imports only schema/ and xml/ (see README.md). */
export type { HostCpu, HostModel, HostNumaNode, HostPciDevice } from "./model";
export { HostModelError, parseCapabilities } from "./capabilities";
export { buildHostModel, parseNodedevs } from "./nodedev";
export type { CpuHold, DeviceDemand, DeviceHold, LedgerIssue, Placement, PlaceResult, VmDemand } from "./demand";
export { HostLedger, LedgerClaimError, PlacementClaim, type HostLedgerOptions, type LedgerClaim } from "./ledger";
export { capacityReport, formatCapacityTable, type HostCapacity, type NodeCapacity, type PfCapacity } from "./capacity";
export { SpreadError, pickHostWithCapacity, spreadAcrossHosts, type SpreadOptions } from "./spread";
export { type LockedEntry } from "./ledger";
export {
  LOCK_FILE_NAME,
  LockFileError,
  emptyLock,
  formatLockFile,
  lockedPlacementOf,
  lockedRequestOf,
  parseLockFile,
  placementOfLock,
  type Digest,
  type LockFile,
  type LockedVm,
  type LockedVolume,
  type StackLock,
} from "./placementLock";
export { placeWithLock, planPlacementWithLock, type LockOutcome, type LockedPlaceResult, type LockedPlan } from "./lockedPlacement";
