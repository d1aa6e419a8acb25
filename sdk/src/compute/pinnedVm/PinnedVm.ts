import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import { placementReport, type PlacementReport } from "../../host/placementReport";
import type { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { renderDomainArgs } from "../../render/domainArgs";
import { renderDomainXml } from "../../render/domainXml";
import { withMacs } from "../../render/domainModel";
import { canonicalJson, classifyDomainChange, describeChange, DOMAIN_REPLACE_ON_CHANGES, inputDigest, LIVE_PINNING_FIELDS } from "../../render/changes";
import type { DomainModel } from "../../render/domainModel";
import { LivePinning } from "./livePinningProvider";
import { Qcow2Volume } from "../../storage/qcow2Volume/Qcow2Volume";
import { StorageSecret } from "../../storage/storageSecret/StorageSecret";
import { SriovNic } from "../../network/sriovNic/SriovNic";
import { commitVm } from "./plan";
import { candidateHosts, planOnFirstFit } from "./hostChoice";
import { virtualNetworkNic } from "./specInput";
import { registerCloudInit } from "./cloudInitSeed";
import { pinnedVmContract, type PinnedVmArgs } from "./args";
import { outputsOf } from "../../program/componentContract";
/** Properties whose change the provider or the guest cannot take in place: the domain is replaced (its volumes are not). */
export { DOMAIN_REPLACE_ON_CHANGES };

/**
 * A VM with its vCPUs pinned to host CPUs, its memory on the right NUMA nodes, and its
 * disks, NICs and passthrough devices. Validates everything, places it against the host
 * (when the host's capabilities are known), then registers one libvirt Domain.
 *
 * With `adopt: { uuid }` the domain is not created but imported: `pulumi up` adopts the
 * running domain of that UUID (what `virtkit import` writes).
 *
 * Changes: name or hypervisor type replace the domain (provider v0.9.7 requires it). Every
 * other change, chipset and firmware included, updates it, which provider v0.9.7 does by stopping a running domain, redefining
 * it and starting it again: an update is a restart.
 */
export class PinnedVm extends pulumi.ComponentResource {
  readonly domain: libvirt.Domain;
  /** The domain XML virtkit decided on (what `virsh define` would be given). */
  readonly domainXml: pulumi.Output<string>;
  /** vCPU → host CPU and NUMA node, memory per node, devices (for a host without capabilities: the explicit pins). */
  readonly placement: pulumi.Output<PlacementReport>;
  /** The provider's domain UUID (refer to domains by UUID: the provider's id is a number). */
  readonly uuid: pulumi.Output<string>;
  /** With `livePinning`: the resource that applies the domain's pins live. */
  readonly livePinning?: LivePinning;

  constructor(name: string, given: PinnedVmArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate and place before super(): bad input must fail before anything registers.
    candidateHosts(name, given, `PinnedVm "${name}"`)[0].run.checkUniqueName("PinnedVm", name, opts);
    // the host the VM fits on first, of its one host or its list; from here on it has one
    const { args, plan } = planOnFirstFit(name, given, `PinnedVm "${name}"`);
    const { spec, model, xml, placement, warnings, claims, cloudInit, graphicsPassword, lateMacs, adopt, livePinning, lock, tookLockedShare } = plan;
    args.host.run.requireUniqueName("PinnedVm", name, opts);
    super("virtkit:index:PinnedVm", name, {}, opts);
    // everything checked: only now does the VM take its CPUs, pages, devices, names and parts
    commitVm(args.host, `PinnedVm "${name}"`, claims);
    const component = `PinnedVm "${name}"`;
    const host = args.host;
    // a diagnostic is fire-and-forget: the engine orders it with the program's other output
    for (const w of warnings) void pulumi.log.warn(`${component}: ${w}`, this);

    const volumes = (args.disks ?? []).filter((d): d is Qcow2Volume => d instanceof Qcow2Volume);
    // a network disk's key must be in libvirt before the domain starts
    const secrets = (args.disks ?? []).flatMap((d) => (!(d instanceof Qcow2Volume) && d.auth?.secret instanceof StorageSecret ? [d.auth.secret.secret] : []));
    const seed = cloudInit && registerCloudInit(name, cloudInit, host, this);
    // the provider's arguments as the lock digests them (no late values); rendered once when there are none
    const plainArgs = renderDomainArgs(model);
    const domainArgs = graphicsPassword !== undefined || lateMacs.size ? renderDomainArgs(model, { graphicsPassword, macs: lateMacs }) : plainArgs;
    const digest = inputDigest(plainArgs as unknown as Record<string, unknown>);
    this.domain = new libvirt.Domain(name, domainArgs, host.libvirtOptions({
      parent: this,
      replaceOnChanges: DOMAIN_REPLACE_ON_CHANGES,
      // with livePinning, pins are LivePinning's: the provider would restart the VM for them
      ...ignoring([...(livePinning ? LIVE_PINNING_FIELDS : []), ...vhostUserDevPaths(model)]),
      // an existing domain is imported by its UUID, the provider's import id, instead of created
      ...(adopt ? { import: adopt.uuid } : {}),
      // the hostdev networks VFs come from must exist before the domain starts, and outlive it;
      // so must what the program made the VM depend on (Pulumi does not pass it to children)
      dependsOn: withDependsOn([...volumes, ...secrets, ...(seed ? [seed] : []), ...networksOf(args)], opts.dependsOn),
    }));
    const report = placementReport(host.hostName, spec, placement);
    // MACs known only at deployment join the XML then
    this.domainXml = lateMacs.size
      ? pulumi.all([...lateMacs].map(([i, mac]) => pulumi.all([i, mac]))).apply((macs) => renderDomainXml(withMacs(model, new Map(macs))))
      : pulumi.output(xml);
    // what the change since the lock (the last virtkit plan) does to the running VM
    const runLock = host.run.lock();
    const change = runLock?.exists ? classifyDomainChange(runLock.section?.hosts[host.hostName]?.vms[name]?.domain, digest, { livePinning }) : undefined;
    if (change && host.run.changeDiagnostics) void pulumi.log.info(`${component}: ${describeChange(change)}, since ${runLock!.file} (stack ${runLock!.stack})`, this);
    const lockEntry = lock && { ...lock.entry, domain: digest };
    host.run.vms.push({ component, name, host: host.hostName, domainName: spec.name, domainXml: xml, placement, report, warnings, lockEntry, lockOutcome: lock?.outcome, tookLockedShare, digest, change, livePinning });
    if (livePinning) this.livePinning = livePinningOf(name, host, model, digest, this);
    this.placement = pulumi.output(report);
    this.uuid = this.domain.uuid;
    this.registerOutputs(outputsOf(pinnedVmContract, this));
  }
}

/**
 * The resource that applies a domain's pins live. It carries the digest of everything but the
 * pins: the provider redefines the domain with its OLD pins (it ignores theirs) whenever
 * anything else changes, so LivePinning updates after every domain update and applies the
 * current pins again.
 */
function livePinningOf(name: string, host: LibvirtHost, model: DomainModel, digest: Record<string, unknown>, vm: PinnedVm): LivePinning {
  const pins = model.cputune;
  const rest = Object.fromEntries(Object.entries(digest).filter(([k]) => !LIVE_PINNING_FIELDS.includes(k)));
  return new LivePinning(
    `${name}-pinning`,
    {
      uri: host.uriOutput,
      domain: vm.domain.name,
      vcpuPins: (pins?.vcpupins ?? []).map((p) => ({ vcpu: p.vcpu, cpuSet: p.cpuset })),
      emulatorPin: pins?.emulatorpin,
      ioThreadPins: (pins?.iothreadpins ?? []).map((p) => ({ ioThread: p.iothread, cpuSet: p.cpuset })),
      domainDigest: canonicalJson(rest),
    },
    host.onHost({ parent: vm, dependsOn: [vm.domain] }),
  );
}

/** The libvirt networks the VM's NICs are on: VF pools of SriovNics and VirtualNetworks. */
function networksOf(args: PinnedVmArgs): pulumi.Resource[] {
  const nets = (args.nics ?? []).flatMap((n) => (n instanceof SriovNic && n.network ? [n.network] : [virtualNetworkNic(n)?.network.network].filter((r) => r !== undefined)));
  return [...new Set(nets)];
}

/** The component's own `dependsOn` joined to what its child needs anyway. */
function withDependsOn(own: pulumi.Resource[], extra: pulumi.ComponentResourceOptions["dependsOn"]): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
  if (extra === undefined) return own;
  if (Array.isArray(extra)) return [...own, ...extra];
  return pulumi.output(extra as pulumi.Input<pulumi.Resource | pulumi.Resource[]>).apply((e) => [...own, ...(Array.isArray(e) ? e : [e])]);
}

/**
 * A vhost-user NIC's `source.vhostUser.dev`: required by provider v0.9.7's schema, but libvirt's
 * interface has no counterpart, so the provider never reads it back and every preview would
 * show it added, an update that restarts the VM on each `up` (seen on a real `up`). virtkit
 * passes the socket path there and ignores its changes; the socket itself is `chardev.unix`.
 */
function vhostUserDevPaths(model: DomainModel): string[] {
  return model.interfaces.flatMap((n, i) => (n.kind === "vhostuser" ? [`devices.interfaces[${i}].source.vhostUser.dev`] : []));
}

const ignoring = (paths: string[]) => (paths.length ? { ignoreChanges: paths } : {});
