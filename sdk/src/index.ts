/**
 * virtkit: typed KVM/QEMU VM topologies as code, Pulumi components over the libvirt provider.
 */
export { VirtkitValidationError, type ValidationIssue } from "./errors";
export { LibvirtHost, type LibvirtHostArgs } from "./hypervisor/LibvirtHost";
export { HugepageMemory, type HugepageMemoryArgs } from "./compute/HugepageMemory";
export { PinnedVm, DOMAIN_REPLACE_ON_CHANGES, type PinnedVmArgs } from "./compute/PinnedVm";
export type { CloudInitArgs } from "./compute/cloudInit";
export type { PlacementReport } from "./host/placementReport";
export { plannedHosts, plannedNetworks, plannedVms, type PlannedHost, type PlannedNetwork, type PlannedVm } from "./program/registry";
export { Qcow2Volume, type Qcow2VolumeArgs } from "./storage/Qcow2Volume";
export { StoragePool, type StoragePoolArgs } from "./storage/StoragePool";
export { StorageSecret, type StorageSecretArgs } from "./storage/StorageSecret";
export { SriovNic, type SriovNicArgs } from "./network/SriovNic";
export { PciPassthrough, type PciPassthroughArgs } from "./network/PciPassthrough";
export { VirtualNetwork, type VirtualNetworkArgs, type VirtualNetworkNic } from "./network/VirtualNetwork";
export { readHostFacts, type HostFacts } from "./host/facts";
export * as host from "./host";
export * as render from "./render";
export * as spec from "./spec";
