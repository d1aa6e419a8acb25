import type * as pulumi from "@pulumi/pulumi";
import type { ComponentContract } from "./program/componentContract";
import { LibvirtHost } from "./libvirtHost/LibvirtHost";
import { libvirtHostContract } from "./libvirtHost/args";
import { HugepageMemory } from "./compute/hugepageMemory/HugepageMemory";
import { hugepageMemoryContract } from "./compute/hugepageMemory/args";
import { PinnedVm } from "./compute/pinnedVm/PinnedVm";
import { pinnedVmContract } from "./compute/pinnedVm/args";
import { Qcow2Volume } from "./storage/qcow2Volume/Qcow2Volume";
import { qcow2VolumeContract } from "./storage/qcow2Volume/args";
import { StoragePool } from "./storage/storagePool/StoragePool";
import { storagePoolContract } from "./storage/storagePool/args";
import { StorageSecret } from "./storage/storageSecret/StorageSecret";
import { storageSecretContract } from "./storage/storageSecret/args";
import { SriovNic } from "./network/sriovNic/SriovNic";
import { sriovNicContract } from "./network/sriovNic/args";
import { PciPassthrough } from "./network/pciPassthrough/PciPassthrough";
import { pciPassthroughContract } from "./network/pciPassthrough/args";
import { VirtualNetwork } from "./network/virtualNetwork/VirtualNetwork";
import { virtualNetworkContract } from "./network/virtualNetwork/args";

/**
 * Every virtkit component, once: its contract (args.ts in its folder) and its class. The
 * public API (index.ts), the package schema and the component provider all read this table.
 */
export { LibvirtHost, HugepageMemory, PinnedVm, Qcow2Volume, StoragePool, StorageSecret, SriovNic, PciPassthrough, VirtualNetwork };

/** A component's contract with the constructor the component provider calls. */
export interface ComponentEntry {
  readonly contract: ComponentContract<ComponentContract["args"], never>;
  readonly construct: (name: string, args: never, opts: pulumi.ComponentResourceOptions) => pulumi.ComponentResource;
}

const entry = <A extends ComponentContract["args"], C extends pulumi.ComponentResource, Args>(
  contract: ComponentContract<A, C>,
  component: new (name: string, args: Args, opts?: pulumi.ComponentResourceOptions) => C,
): ComponentEntry => ({ contract: contract as ComponentContract<A, never>, construct: (name, args, opts) => new component(name, args as Args, opts) });

/** In the package schema's order. */
export const COMPONENTS: readonly ComponentEntry[] = [
  entry(libvirtHostContract, LibvirtHost),
  entry(hugepageMemoryContract, HugepageMemory),
  entry(qcow2VolumeContract, Qcow2Volume),
  entry(sriovNicContract, SriovNic),
  entry(pciPassthroughContract, PciPassthrough),
  entry(pinnedVmContract, PinnedVm),
  entry(virtualNetworkContract, VirtualNetwork),
  entry(storagePoolContract, StoragePool),
  entry(storageSecretContract, StorageSecret),
];
