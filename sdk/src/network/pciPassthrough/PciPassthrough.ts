import * as pulumi from "@pulumi/pulumi";
import { VirtkitValidationError } from "../../errors";
import { Attachment } from "../../host/attachment";
import type { PciAddress } from "../../schema/pci";
import { pciFactIssue } from "../../host/factChecks";
import { parseOrThrow } from "../../schema/validate";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { outputsOf } from "../../program/componentContract";
import { PciPassthroughArgsSchema, pciPassthroughContract, type PciPassthroughArgs } from "./args";
import { refuseNulls } from "../../program/nullArgs";


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
    refuseNulls(pciPassthroughContract, component, args);
    requireHost(args, component);
    const a = parseOrThrow(PciPassthroughArgsSchema, { ...args, host: undefined }, component);
    const unknown = args.host.model && pciFactIssue(args.host.model, args.host.hostName, a.address);
    if (unknown) throw new VirtkitValidationError(component, [{ path: "address", reason: unknown }]);
    args.host.run.requireUniqueName("PciPassthrough", name, opts);
    super("virtkit:index:PciPassthrough", name, {}, opts);
    this.component = component;
    this.attachment = new Attachment(component);
    this.host = args.host;
    this.address = a.address;
    this.managed = a.managed;
    this.registerOutputs(outputsOf(pciPassthroughContract, this));
  }
}
