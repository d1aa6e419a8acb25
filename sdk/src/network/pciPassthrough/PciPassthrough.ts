import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { VirtkitValidationError } from "../../errors";
import { Attachment } from "../../host/attachment";
import { PciAddressText } from "../../schema/common";
import { formatPciAddress, samePciAddress, type PciAddress } from "../../schema/pci";
import { parseOrThrow } from "../../schema/validate";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { requireUniqueName } from "../../program/runContext";

export const PciPassthroughArgsSchema = z.object({
  /** Host PCI address of the device, e.g. `0000:d8:00.0`. */
  address: PciAddressText,
  /** Let libvirt detach the device from its host driver and bind vfio-pci. Default true. */
  managed: z.boolean().default(true),
});

export type PciPassthroughArgs = z.input<typeof PciPassthroughArgsSchema> & {
  /** The host the device is on. */
  host: LibvirtHost;
};

/** A whole PCI device (GPU, NIC PF, NVMe) passed through to one VM. */
export class PciPassthrough extends pulumi.ComponentResource {
  readonly host: LibvirtHost;
  readonly component: string;
  readonly address: PciAddress;
  readonly managed: boolean;
  /** The VM this device belongs to. */
  readonly attachment: Attachment;

  constructor(name: string, args: PciPassthroughArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const component = `PciPassthrough "${name}"`;
    requireHost(args, component);
    const a = parseOrThrow(PciPassthroughArgsSchema, { ...args, host: undefined }, component);
    const known = args.host.model?.pciDevices;
    if (known?.length && !known.some((d) => samePciAddress(d.address, a.address))) {
      throw new VirtkitValidationError(component, [{ path: "address", reason: `host ${args.host.hostName} has no PCI device ${formatPciAddress(a.address)} among its known devices` }]);
    }
    requireUniqueName("virtkit:index:PciPassthrough", name, opts);
    super("virtkit:index:PciPassthrough", name, {}, opts);
    this.component = component;
    this.attachment = new Attachment(component);
    this.host = args.host;
    this.address = a.address;
    this.managed = a.managed;
    this.registerOutputs({});
  }
}
