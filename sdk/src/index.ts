/**
 * virtkit: typed KVM/QEMU VM topologies as code, Pulumi components over the libvirt provider.
 */
export { VirtkitValidationError, type ValidationIssue } from "./errors";
export { LibvirtHost, type LibvirtHostArgs } from "./libvirtHost/LibvirtHost";
export { HugepageMemory, type HugepageMemoryArgs } from "./compute/hugepageMemory/HugepageMemory";
export { PinnedVm, DOMAIN_REPLACE_ON_CHANGES, type PinnedVmArgs } from "./compute/pinnedVm/PinnedVm";
export type { CloudInitArgs } from "./compute/pinnedVm/cloudInitSeed";
export type { PlacementReport } from "./host/placementReport";
export { plannedHosts, plannedNetworks, plannedVms, type PlannedHost, type PlannedNetwork, type PlannedVm } from "./program/runContext";
export { Qcow2Volume, type Qcow2VolumeArgs } from "./storage/qcow2Volume/Qcow2Volume";
export { StoragePool, type StoragePoolArgs } from "./storage/storagePool/StoragePool";
export { StorageSecret, type StorageSecretArgs } from "./storage/storageSecret/StorageSecret";
export { SriovNic, type SriovNicArgs } from "./network/sriovNic/SriovNic";
export { PciPassthrough, type PciPassthroughArgs } from "./network/pciPassthrough/PciPassthrough";
export { VirtualNetwork, type VirtualNetworkArgs, type VirtualNetworkNic } from "./network/virtualNetwork/VirtualNetwork";
export { readHostFacts, type HostFacts } from "./host/hostFacts";
export * as host from "./host";
export * as render from "./render";
export * as spec from "./schema";
