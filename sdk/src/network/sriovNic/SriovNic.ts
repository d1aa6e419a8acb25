import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import { Attachment } from "../../host/attachment";
import type { PciAddress } from "../../schema/pci";
import { parseOrThrow } from "../../schema/validate";
import { renderNetworkArgs } from "../../render/networkArgs";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { outputsOf } from "../../program/componentContract";
import { SriovNicArgsSchema, sriovNicContract, type SriovNicArgs } from "./args";
import { isLater } from "../../program/inputs";
import { refuseNulls } from "../../program/nullArgs";
import { VirtkitValidationError, type ValidationIssue } from "../../errors";
import { pfFactIssue, vfFactIssue } from "../../host/factChecks";


/**
 * An SR-IOV virtual function for one VM. Given a VF address, the guest gets that VF as an
 * `<interface type='hostdev'>`. Given a PF: when the host's devices are known, the VM's
 * placement picks a free VF of the PF on the VM's node; otherwise the guest takes one from a
 * libvirt hostdev network built on the PF (`forward mode='hostdev'`), created once per PF.
 */
export class SriovNic extends pulumi.ComponentResource {
  readonly host: LibvirtHost;
  readonly component: string;
  readonly pf: string | undefined;
  readonly vfAddress: PciAddress | undefined;
  readonly vlan: number | undefined;
  /** The MAC as given (checked already when plain; an Output is checked by the VM when it resolves). */
  readonly mac: pulumi.Input<string> | undefined;
  readonly trust: boolean;
  /** The hostdev network this NIC draws from, when the host's devices are unknown. */
  readonly network: libvirt.Network | undefined;
  /** The VM this VF belongs to. */
  readonly attachment: Attachment;

  constructor(name: string, args: SriovNicArgs, opts: pulumi.ComponentResourceOptions = {}) {
    refuseNulls(sriovNicContract, `SriovNic "${name}"`, args);
    requireHost(args, `SriovNic "${name}"`);
    const lateMac = isLater(args.mac) ? args.mac : undefined;
    const a = parseOrThrow(SriovNicArgsSchema, { ...args, host: undefined, mac: lateMac ? undefined : args.mac }, `SriovNic "${name}"`);
    checkSriovFacts(args.host, a.pf, a.vf?.address, `SriovNic "${name}"`);
    args.host.run.requireUniqueName("SriovNic", name, opts);
    super("virtkit:index:SriovNic", name, {}, opts);
    this.component = `SriovNic "${name}"`;
    this.attachment = new Attachment(this.component);
    this.host = args.host;
    this.pf = a.pf;
    this.vfAddress = a.vf?.address;
    this.vlan = a.vlan;
    this.mac = lateMac ?? a.mac;
    this.trust = a.trust;
    if (a.pf && !a.vf && !args.host.model?.pciDevices.length) {
      const netName = `sriov-${a.pf}`;
      this.network = args.host.vfPoolNetwork(a.pf, () => {
        args.host.claimName("network", netName, this.component, "pf");
        return new libvirt.Network(
          `${args.host.hostName}-${netName}`,
          renderNetworkArgs({ mode: "hostdev", name: netName, pf: a.pf!, autostart: true }),
          args.host.libvirtOptions({ parent: args.host }),
        );
      });
    }
    this.registerOutputs(outputsOf(sriovNicContract, this));
  }
}

/** The PF and the VF a SriovNic names must be in its host's facts, when the host has them. */
function checkSriovFacts(host: LibvirtHost, pf: string | undefined, vf: PciAddress | undefined, component: string): void {
  if (!host.model) return;
  const issues: ValidationIssue[] = [];
  const pfIssue = pf === undefined ? undefined : pfFactIssue(host.model, host.hostName, pf);
  if (pfIssue) issues.push({ path: "pf", reason: pfIssue });
  const vfIssue = vf === undefined ? undefined : vfFactIssue(host.model, host.hostName, vf, pfIssue ? undefined : pf);
  if (vfIssue) issues.push({ path: "vf.address", reason: vfIssue });
  if (issues.length) throw new VirtkitValidationError(component, issues);
}
