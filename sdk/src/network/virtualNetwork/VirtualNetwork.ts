import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import { renderNetworkArgs } from "../../render/networkArgs";
import { renderNetworkXml } from "../../render/networkXml";
import { NetworkSpec } from "../../schema/network";
import { parseOrThrow } from "../../schema/validate";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { outputsOf } from "../../program/componentContract";
import { virtualNetworkContract, type VirtualNetworkArgs } from "./args";
import { refuseNulls } from "../../program/nullArgs";
import { VirtkitValidationError } from "../../errors";
import { pfFactIssue } from "../../host/factChecks";



/**
 * A libvirt virtual network on one host (NAT with DHCP, isolated, a host bridge, an Open vSwitch
 * bridge, or a pool of SR-IOV VFs), registered as the provider's `libvirt.Network`. VMs on the
 * same host take it in `nics` (`nics: [net]` or `nics: [{ network: net, mac }]`), and their
 * domains depend on it, so it exists before they start and outlives them.
 *
 * Changes: provider v0.9.7 replaces the network on any change but `autostart`.
 */
export class VirtualNetwork extends pulumi.ComponentResource {
  readonly host: LibvirtHost;
  readonly component: string;
  /** The network as validated: its libvirt name, mode and addresses. */
  readonly spec: NetworkSpec;
  /** The provider's network resource. */
  readonly network: libvirt.Network;
  /** The network XML virtkit decided on (what `virsh net-define` would be given). */
  readonly networkXml: pulumi.Output<string>;
  /** What provider v0.9.7 cannot carry of this network (also printed as warnings). */
  readonly warnings: readonly string[];

  constructor(name: string, args: VirtualNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const component = `VirtualNetwork "${name}"`;
    refuseNulls(virtualNetworkContract, component, args);
    const host = requireHost(args, component);
    const spec = parseOrThrow(NetworkSpec, { ...args, host: undefined, name: args.name ?? name }, component);
    const unknownPf = spec.mode === "hostdev" && host.model ? pfFactIssue(host.model, host.hostName, spec.pf) : undefined;
    if (unknownPf) throw new VirtkitValidationError(component, [{ path: "pf", reason: unknownPf }]);
    host.checkNameFree("network", spec.name, component, "name");
    args.host.run.requireUniqueName("VirtualNetwork", name, opts);
    super("virtkit:index:VirtualNetwork", name, {}, opts);
    host.claimName("network", spec.name, component, "name");
    this.host = host;
    this.component = component;
    this.spec = spec;
    const xml = renderNetworkXml(spec);
    // provider v0.9.7 carries every part of a network virtkit says (VLAN tags included)
    this.warnings = [];
    for (const w of this.warnings) void pulumi.log.warn(`${component}: ${w}`, this);
    this.network = new libvirt.Network(name, renderNetworkArgs(spec), host.libvirtOptions({ parent: this }));
    host.run.networks.push({ component, host: host.hostName, networkName: spec.name, networkXml: xml, warnings: this.warnings });
    this.networkXml = pulumi.output(xml);
    this.registerOutputs(outputsOf(virtualNetworkContract, this));
  }

  /** The libvirt network name. */
  get networkName(): string {
    return this.spec.name;
  }
}
