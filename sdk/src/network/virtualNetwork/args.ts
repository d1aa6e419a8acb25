import { z } from "zod";
import { LibvirtName } from "../../schema/common";
import { NetworkSpec } from "../../schema/network";
import { hostRef, type ComponentContract, type VariantArgs, type VariantArgsInput } from "../../program/componentContract";
import { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import type { VirtualNetwork } from "./VirtualNetwork";

/** A VirtualNetwork's arguments: one of `NetworkSpec`'s modes (documented in schema/network.ts), its host and its libvirt name. */
const virtualNetworkArgs = {
  variants: NetworkSpec,
  shared: z.object({
    /** The host the network is defined on; only VMs on it can use it. */
    host: hostRef<LibvirtHost>((h) => h instanceof LibvirtHost),
    /** libvirt network name; default the component's name. Changing it replaces the network. */
    name: LibvirtName.optional().describe("libvirt network name; default the component's name."),
  }),
} satisfies VariantArgs;

export type VirtualNetworkArgs = VariantArgsInput<typeof virtualNetworkArgs>;

export const virtualNetworkContract: ComponentContract<typeof virtualNetworkArgs, VirtualNetwork> = {
  kind: "VirtualNetwork",
  description:
    "A libvirt virtual network on one host (NAT with DHCP, isolated, a host bridge, an Open vSwitch bridge, or a pool of SR-IOV VFs); VMs on the host take it in nics.",
  args: virtualNetworkArgs,
  outputs: { networkName: { type: "string" }, networkXml: { type: "string", description: "The network XML virtkit decided on." } },
};
