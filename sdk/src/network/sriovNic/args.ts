import { z } from "zod";
import { InterfaceName, MacAddress, PciAddressText } from "../../schema/common";
import { Vlan } from "../../schema/network";
import { hostRef, laterOr, type ComponentContract } from "../../program/componentContract";
import { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import type { SriovNic } from "./SriovNic";

export const SriovNicArgsSchema = z
  .object({
    /** Physical function's interface name (`enp59s0f0`): a VF of it is handed to the guest. */
    pf: InterfaceName.optional(),
    /** A specific VF by PCI address, e.g. `{ address: "0000:3b:02.1" }`. */
    vf: z.object({ address: PciAddressText }).optional(),
    /** 802.1Q VLAN tag set on the VF by the host. */
    vlan: Vlan.optional(),
    /** Guest MAC address set on the VF. */
    mac: MacAddress.optional(),
    /** Trust the guest's MAC changes and promiscuous mode on the VF (`trustGuestRxFilters`). Default false. */
    trust: z.boolean().default(false),
  })
  .superRefine((a, ctx) => {
    if (!a.pf && !a.vf) ctx.addIssue({ code: "custom", path: ["pf"], message: "give the PF to take a VF from (pf) or a VF address (vf.address)" });
  });

// its own fields without their cross-field check (validation stays the component's), widened
const SriovNicContractArgs = z.object({
  ...SriovNicArgsSchema.shape,
  /** Guest MAC address set on the VF; an Input, checked when it resolves. */
  mac: laterOr(MacAddress).optional(),
  /** The host whose PF the VF comes from. */
  host: hostRef<LibvirtHost>((h) => h instanceof LibvirtHost),
});

export type SriovNicArgs = z.input<typeof SriovNicContractArgs>;

export const sriovNicContract: ComponentContract<typeof SriovNicContractArgs, SriovNic> = {
  kind: "SriovNic",
  description: "An SR-IOV virtual function for one VM: a given VF, or one of a PF's.",
  args: SriovNicContractArgs,
  outputs: {},
};
