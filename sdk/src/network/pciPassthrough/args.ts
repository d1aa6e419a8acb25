import { z } from "zod";
import { PciAddressText } from "../../schema/common";
import { hostRef, type ComponentContract } from "../../program/componentContract";
import { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import type { PciPassthrough } from "./PciPassthrough";

export const PciPassthroughArgsSchema = z.object({
  /** Host PCI address of the device, e.g. `0000:d8:00.0`. */
  address: PciAddressText,
  /** Let libvirt detach the device from its host driver and bind vfio-pci. Default true. */
  managed: z.boolean().default(true),
});

const PciPassthroughContractArgs = PciPassthroughArgsSchema.extend({
  /** The host the device is on. */
  host: hostRef<LibvirtHost>((h) => h instanceof LibvirtHost),
});

export type PciPassthroughArgs = z.input<typeof PciPassthroughContractArgs>;

export const pciPassthroughContract: ComponentContract<typeof PciPassthroughContractArgs, PciPassthrough> = {
  kind: "PciPassthrough",
  description: "A whole PCI device (GPU, NIC PF, NVMe) passed through to one VM.",
  args: PciPassthroughContractArgs,
  outputs: {},
};
