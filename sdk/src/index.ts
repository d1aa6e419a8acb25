/**
 * virtkit: typed KVM/QEMU VM topologies as code, Pulumi components over the libvirt provider.
 */
export { VirtkitValidationError, type ValidationIssue } from "./errors";
export { LibvirtHost, HugepageMemory, PinnedVm, Qcow2Volume, StoragePool, StorageSecret, SriovNic, PciPassthrough, VirtualNetwork } from "./components";
export type { LibvirtHostArgs } from "./libvirtHost/args";
export type { HugepageMemoryArgs } from "./compute/hugepageMemory/args";
export type { PinnedVmArgs, CloudInitArgs, VirtualNetworkNic } from "./compute/pinnedVm/args";
export type { Qcow2VolumeArgs } from "./storage/qcow2Volume/args";
export type { StoragePoolArgs } from "./storage/storagePool/args";
export type { StorageSecretArgs } from "./storage/storageSecret/args";
export type { SriovNicArgs } from "./network/sriovNic/args";
export type { PciPassthroughArgs } from "./network/pciPassthrough/args";
export type { VirtualNetworkArgs } from "./network/virtualNetwork/args";
export { DOMAIN_REPLACE_ON_CHANGES } from "./compute/pinnedVm/PinnedVm";
export type { PlacementReport } from "./host/placementReport";
export { plannedHosts, plannedNetworks, plannedVms, type PlannedHost, type PlannedNetwork, type PlannedVm } from "./program/runContext";
export { readHostFacts, type HostFacts } from "./host/hostFacts";
export * as host from "./host";
export * as render from "./render";
export * as schema from "./schema";
/** The schema namespace under its former name. */
export * as spec from "./schema";
