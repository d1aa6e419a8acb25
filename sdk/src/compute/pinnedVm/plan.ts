import * as pulumi from "@pulumi/pulumi";
import { VirtkitValidationError, type ValidationIssue } from "../../errors";
import type { DeviceDemand, Placement, VmDemand } from "../../host/demand";
import { checkHostBound } from "../../host/attachment";
import { lockedPlacementOf, lockedRequestOf, type LockedVm } from "../../host/placementLock";
import { placeWithLock, type LockOutcome } from "../../host/lockedPlacement";
import type { HostModel } from "../../host/model";
import { buildDomainModel } from "../../render/domainModel";
import { passthroughGuestNodes, type DeviceGuestNodes } from "../../render/domainDevices";
import { providerGaps } from "../../render/domainArgs";
import { renderDomainXml } from "../../render/domainXml";
import { layoutFromPlacement, layoutFromSpec } from "../../render/layout";
import { formatCpuset, parseCpuset } from "../../schema/cpuset";
import { PAGE_SIZES } from "../../schema/memory";
import { formatPciAddress } from "../../schema/pci";
import type { ExpanderBus } from "../../schema/platform";
import { toIssues } from "../../schema/validate";
import { VmSpec, type VmSpecInput } from "../../schema/vm";
import { PinnedVmOptions, type PinnedVmArgs, type VirtualNetworkNic } from "./args";
import { PciPassthrough } from "../../network/pciPassthrough/PciPassthrough";
import { SriovNic } from "../../network/sriovNic/SriovNic";
import { VirtualNetwork } from "../../network/virtualNetwork/VirtualNetwork";
import type { NicSpecInput } from "../../schema/network";
import { Qcow2Volume } from "../../storage/qcow2Volume/Qcow2Volume";
import { HugepageMemory } from "../hugepageMemory/HugepageMemory";
import { requireHost } from "../../libvirtHost/LibvirtHost";
import { planCloudInit, type CloudInitPlan } from "./cloudInitSeed";
import { InputChecks, isLater, requirePlain } from "../../program/inputs";
import { MacAddress } from "../../schema/common";
import { z } from "zod";

/**
 * Planning a VM, the pure half of PinnedVm: its arguments become a validated spec, placed on
 * its host's ledger (when the host is known) and rendered. Nothing here registers a resource.
 */

/**
 * Validates a VM, places it on its host's ledger (claiming CPUs, pages and devices) and
 * renders it. Throws VirtkitValidationError with every problem; claims nothing then.
 */
export function planVm(name: string, args: PinnedVmArgs) {
  const component = `PinnedVm "${name}"`;
  const host = requireHost(args, component);
  checkShape(args, component);
  checkParts(args, component);
  const parsedOptions = PinnedVmOptions.safeParse({ domainName: args.domainName, emulator: args.emulator, strictLocality: args.strictLocality, livePinning: args.livePinning, expanderBuses: args.expanderBuses, adopt: args.adopt });
  // a bad domainName is reported as such, not again as the spec's name
  const options: PinnedVmOptions = parsedOptions.success ? parsedOptions.data : { emulator: "housekeeping", strictLocality: false, livePinning: false, expanderBuses: "auto" };
  const checks = new InputChecks(component);
  const domainName = options.domainName ?? name;
  const firstVolume = (args.disks ?? []).find((d): d is Qcow2Volume => d instanceof Qcow2Volume);
  const cloudInit = args.cloudInit === undefined ? undefined : planCloudInit(args.cloudInit, domainName, firstVolume?.poolName ?? "default", checks);
  const graphicsPassword = graphicsPasswordOf(args, checks);
  requirePlainFields(args, checks);
  const { input, pfNics, lateMacs } = specInput(name, args, options, component, cloudInit, checks);
  const parsedSpec = VmSpec.safeParse(input);
  if (!parsedOptions.success || !parsedSpec.success || checks.issues.length) {
    const issues = [...(parsedOptions.success ? [] : toIssues(parsedOptions.error)), ...(parsedSpec.success ? [] : toIssues(parsedSpec.error)), ...checks.issues];
    throw new VirtkitValidationError(component, issues);
  }
  let spec = parsedSpec.data;
  const seedName = cloudInit && `${cloudInit.pool}/${cloudInit.volume}`;
  if (seedName) host.checkNameFree("volume", seedName, component, "cloudInit");
  if (host.model) checkHostNodes(spec, args, host.model, component);
  host.checkNameFree("domain", spec.name, component, "domainName");

  let placement: Placement | undefined;
  let lock: { outcome: LockOutcome; entry: Pick<LockedVm, "request" | "placement"> } | undefined;
  const warnings: string[] = [];
  if (host.ledger) {
    const demand = demandOf(spec, args, options, component, pfNics);
    const result = placeWithLock(host.ledger, demand);
    const issues: ValidationIssue[] = result.errors.map((e) => ({ path: e.path, reason: e.reason }));
    if (issues.length) throw new VirtkitValidationError(component, issues);
    for (const w of result.warnings) warnings.push(`${w.path ? `${w.path}: ` : ""}${w.reason}`);
    placement = result.placement!;
    lock = { outcome: result.lock, entry: { request: lockedRequestOf(demand), placement: lockedPlacementOf(placement) } };
    spec = withChosenVfs(spec, placement, pfNics);
  } else {
    // options that only placement acts on: say they do nothing here rather than drop them silently
    if (options.emulator === "dedicated") warnings.push(`emulator: "dedicated" needs the host's capabilities to pick CPUs; ignored on host ${host.hostName}`);
    if (options.strictLocality) warnings.push(`strictLocality: needs the host's devices to know their NUMA nodes; ignored on host ${host.hostName}`);
  }
  if (!host.ledger && spec.pinning === "auto") {
    throw new VirtkitValidationError(component, [
      { path: "pinning", reason: `"auto" needs the host's capabilities: give LibvirtHost "${host.hostName}" the output of \`virsh capabilities\`` },
    ]);
  }

  const deviceNodes = placement ? guestNodesOfDevices(placement) : {};
  spec = { ...spec, expanderBuses: expanderBuses(spec, options.expanderBuses, deviceNodes) };
  const layout = placement ? layoutFromPlacement(spec, placement) : layoutFromSpec(spec);
  const model = buildDomainModel(spec, layout, deviceNodes);
  const xml = renderDomainXml(model);
  warnings.push(...providerGaps(model));
  // Everything checked: only now does the VM take its name and its parts.
  if (spec.graphics && !isLoopback(spec.graphics.listen) && args.graphics?.password === undefined) {
    warnings.push(`graphics: a ${spec.graphics.type} display on ${spec.graphics.listen} without a password is a keyboard on the guest for anyone who reaches the host; give graphics.password or listen on 127.0.0.1`);
  }
  // Everything checked: only now does the VM take its name and its parts.
  host.claimName("domain", spec.name, component, "domainName");
  if (seedName) host.claimName("volume", seedName, component, "cloudInit");
  for (const { part } of partsOf(args)) part.attachment.commit(component);
  return { spec, model, xml, placement, warnings, cloudInit: cloudInit as CloudInitPlan | undefined, graphicsPassword, lateMacs, adopt: options.adopt, livePinning: options.livePinning, lock };
}

/**
 * What decides placement, names or the domain's shape must be known while the program runs:
 * virtkit places VMs then, before anything is created. An Output there is refused, saying so.
 */
const PLAIN_FIELDS = ["vcpus", "cpu", "pinning", "iothreads", "realtime", "memory", "numa", "disks", "nics", "hostdevs", "chipset", "firmware", "domainType", "running", "domainName", "emulator", "strictLocality", "livePinning", "expanderBuses", "serialConsole", "cdroms", "graphics", "adopt", "boot"] as const;
function requirePlainFields(args: PinnedVmArgs, checks: InputChecks): void {
  const a = args as unknown as Record<string, unknown>;
  const why = "virtkit validates and places the VM while the program runs, before anything is created (only MACs, cloud-init data and the graphics password may arrive later)";
  for (const field of PLAIN_FIELDS) {
    const issue = requirePlain(a[field], field, why);
    if (issue) checks.add(issue.path, issue.reason);
  }
  const memory = a.memory as Record<string, unknown> | undefined;
  if (memory && typeof memory === "object" && !(memory instanceof HugepageMemory)) {
    for (const field of ["size", "hugepages"]) {
      const issue = requirePlain(memory[field], `memory.${field}`, why);
      if (issue) checks.add(issue.path, issue.reason);
    }
  }
}

const isLoopback = (address: string) => address.startsWith("127.") || address === "::1";

/** VNC's authentication reads 8 characters of a password: a longer one would be cut without a word. */
const VncPassword = z.string({ error: "expected a password string" }).min(1, { message: "the password is empty" }).max(8, { message: "a VNC password is at most 8 characters (VNC's authentication reads no more)" });
const SpicePassword = z.string({ error: "expected a password string" }).min(1, { message: "the password is empty" });

function graphicsPasswordOf(args: PinnedVmArgs, checks: InputChecks) {
  const g = args.graphics as { type?: unknown; password?: pulumi.Input<string> } | undefined;
  if (!g || typeof g !== "object" || g.password === undefined) return undefined;
  const checked = checks.check(g.password, g.type === "vnc" ? VncPassword : SpicePassword, "graphics.password");
  // a password is a secret whether or not it came as one
  return checked === undefined ? undefined : pulumi.secret(checked);
}

/** Host NUMA nodes named by the user must exist on the host; the error names the field they wrote. */
function checkHostNodes(spec: VmSpec, args: PinnedVmArgs, model: HostModel, component: string): void {
  const known = new Set(model.nodes.map((n) => n.id));
  const have = `host ${args.host.hostName} has NUMA node${known.size > 1 ? "s" : ""} ${formatCpuset(known)}`;
  const issues: ValidationIssue[] = [];
  const check = (path: string, nodes: readonly number[] | undefined) => {
    const missing = (nodes ?? []).filter((n) => !known.has(n));
    if (missing.length) issues.push({ path, reason: `host node ${formatCpuset(missing)} does not exist; ${have}` });
  };
  const fromMemory = args.memory instanceof HugepageMemory && args.memory.hostNodes !== undefined && !args.numa?.hostNodes;
  check(fromMemory ? "memory.hostNodes" : "numa.hostNodes", spec.numa.hostNodes);
  spec.numa.memnodes.forEach((m, i) => check(`numa.memnodes[${i}].hostNodes`, m.hostNodes));
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/**
 * The containers every later step walks must be what they claim to be; what is inside them
 * is the schema's to judge. Refusing the shape first keeps a hostile value from crashing a
 * check written for well-formed input.
 */
function checkShape(args: PinnedVmArgs, component: string): void {
  const issues: ValidationIssue[] = [];
  const a = args as unknown as Record<string, unknown>;
  for (const list of ["disks", "nics", "hostdevs"] as const) {
    if (a[list] !== undefined && !Array.isArray(a[list])) issues.push({ path: list, reason: `expected a list, not ${JSON.stringify(a[list]) ?? typeof a[list]}`.slice(0, 200) });
  }
  const memory = a.memory;
  if (!(memory instanceof HugepageMemory) && (typeof memory !== "object" || memory === null || Array.isArray(memory))) {
    issues.push({ path: "memory", reason: "expected a HugepageMemory or { size, ... }" });
  }
  if (a.numa !== undefined && (typeof a.numa !== "object" || a.numa === null || Array.isArray(a.numa))) {
    issues.push({ path: "numa", reason: "expected { cells?, hostNodes?, mode?, memnodes? }" });
  }
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/** The components a VM takes for itself, with their field paths. */
function partsOf(args: PinnedVmArgs): { path: string; part: HugepageMemory | Qcow2Volume | SriovNic | PciPassthrough }[] {
  const parts: { path: string; part: HugepageMemory | Qcow2Volume | SriovNic | PciPassthrough }[] = [];
  if (args.memory instanceof HugepageMemory) parts.push({ path: "memory", part: args.memory });
  (args.disks ?? []).forEach((d, i) => d instanceof Qcow2Volume && parts.push({ path: `disks[${i}]`, part: d }));
  (args.nics ?? []).forEach((n, i) => n instanceof SriovNic && parts.push({ path: `nics[${i}]`, part: n }));
  (args.hostdevs ?? []).forEach((h, i) => h instanceof PciPassthrough && parts.push({ path: `hostdevs[${i}]`, part: h }));
  return parts;
}

/** A NIC on a VirtualNetwork, given as the network itself or as `{ network, ... }`. */
export function virtualNetworkNic(n: unknown): VirtualNetworkNic | undefined {
  if (n instanceof VirtualNetwork) return { network: n };
  const network = (n as { network?: unknown } | null | undefined)?.network;
  return network instanceof VirtualNetwork ? (n as VirtualNetworkNic) : undefined;
}

/** The NIC a VirtualNetwork gives: a virtio (or emulated) NIC on it, or a VF from a hostdev pool. */
function networkNicSpec({ network, mac, model, queues, trust }: VirtualNetworkNic): NicSpecInput {
  if (network.spec.mode === "hostdev") return { type: "hostdev-network", network: network.networkName, mac, vlan: network.spec.vlan, trust };
  return { type: "network", network: network.networkName, mac, model, queues };
}

/** A VirtualNetwork's NIC must be on the VM's host, and ask only what its kind of network gives. */
function networkNicIssues(args: PinnedVmArgs): ValidationIssue[] {
  return (args.nics ?? []).flatMap((n, i) => {
    const nic = virtualNetworkNic(n);
    if (!nic) return [];
    const net = nic.network;
    const issues: ValidationIssue[] = [];
    if (net.host.hypervisor !== args.host.hypervisor) issues.push({ path: `nics[${i}]`, reason: `${net.component} is on host ${net.host.hostName}, not on ${args.host.hostName}` });
    if (net.spec.mode === "hostdev") {
      for (const key of ["model", "queues"] as const) {
        if (nic[key] !== undefined) issues.push({ path: `nics[${i}].${key}`, reason: `a NIC on ${net.component}, a pool of SR-IOV VFs, is a VF: it has no ${key === "model" ? "model" : "virtio queues"}` });
      }
    } else if (nic.trust !== undefined) {
      issues.push({ path: `nics[${i}].trust`, reason: `trust is for VFs; ${net.component} is a "${net.spec.mode}" network` });
    }
    return issues;
  });
}

/** Each part must be on the VM's host and not another VM's already; so must each network. */
function checkParts(args: PinnedVmArgs, component: string): void {
  const firstPath = new Map<object, string>();
  const issues = [...networkNicIssues(args), ...partsOf(args).flatMap(({ path, part }) => {
    // one volume twice in one VM would be two disks writing one file
    const earlier = firstPath.get(part);
    if (earlier) return [{ path, reason: `${part.attachment.component} is already ${earlier} of this VM` }];
    firstPath.set(part, path);
    const issue = part instanceof HugepageMemory ? part.attachment.check(component, path) : checkHostBound(part, component, args.host, path);
    return issue ? [issue] : [];
  })];
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/** A NIC to take from a PF by placement: its index in `nics` and the SriovNic. */
interface PfNic {
  index: number;
  nic: SriovNic;
}

/** Turns component references into plain spec input; PF NICs wait for placement to pick a VF. */
function specInput(
  name: string,
  args: PinnedVmArgs,
  options: PinnedVmOptions,
  component: string,
  cloudInit: CloudInitPlan | undefined,
  checks: InputChecks,
): { input: VmSpecInput; pfNics: PfNic[]; lateMacs: Map<number, pulumi.Input<string>> } {
  const memory = args.memory instanceof HugepageMemory ? args.memory.spec : args.memory;
  const hugepageNodes = args.memory instanceof HugepageMemory ? args.memory.hostNodes : undefined;
  const numa = args.numa ?? {};
  if (hugepageNodes && numa.hostNodes !== undefined) {
    // one binding, said twice: refuse a disagreement instead of letting one silently win
    const own = (() => { try { return formatCpuset(parseCpuset(numa.hostNodes)); } catch { return numa.hostNodes; } })();
    if (own !== formatCpuset(hugepageNodes)) {
      throw new VirtkitValidationError(component, [{ path: "numa.hostNodes", reason: `"${numa.hostNodes}" differs from the hostNodes "${formatCpuset(hugepageNodes)}" of ${(args.memory as HugepageMemory).attachment.component}; give them in one place` }]);
    }
  }
  const pfNics: PfNic[] = [];
  const nicInputs = (args.nics ?? []).map((n, index) => {
    const onNetwork = virtualNetworkNic(n);
    if (onNetwork) return networkNicSpec(onNetwork);
    if (!(n instanceof SriovNic)) return n as NicSpecInput;
    if (n.vfAddress) return { type: "vf" as const, address: formatPciAddress(n.vfAddress), mac: n.mac, vlan: n.vlan, trust: n.trust };
    if (n.network) return { type: "hostdev-network" as const, network: `sriov-${n.pf}`, mac: n.mac, vlan: n.vlan, trust: n.trust };
    pfNics.push({ index, nic: n });
    // stands in until placement picks the VF; replaced in withChosenVfs
    return { type: "hostdev-network" as const, network: `sriov-${n.pf}`, mac: n.mac, vlan: n.vlan, trust: n.trust };
  });
  // a MAC known only at deployment is checked then; the spec goes on without it
  const lateMacs = new Map<number, pulumi.Input<string>>();
  const nics = nicInputs.map((n, i) => {
    const mac = (n as { mac?: unknown } | null | undefined)?.mac;
    if (!n || typeof n !== "object" || !isLater(mac)) return n as NicSpecInput;
    lateMacs.set(i, checks.check(mac as pulumi.Output<string>, MacAddress, `nics[${i}].mac`)!);
    return { ...n, mac: undefined } as NicSpecInput;
  });
  const input: VmSpecInput = {
    name: options.domainName ?? name,
    vcpus: args.vcpus,
    cpu: args.cpu,
    pinning: args.pinning ?? (args.host.ledger ? "auto" : undefined),
    iothreads: args.iothreads,
    realtime: args.realtime,
    memory,
    numa: hugepageNodes && !(numa as { hostNodes?: unknown }).hostNodes ? { ...numa, hostNodes: hugepageNodes.join(",") } : numa,
    disks: (args.disks ?? []).map((d) =>
      d instanceof Qcow2Volume
        ? {
            // a logical volume is a block device the guest gets whole
            source: d.storagePool?.spec.type === "logical" ? { device: `${d.storagePool.targetPath}/${d.volumeName}` } : { pool: d.poolName, volume: d.volumeName },
            format: d.format,
            encryption: d.secretUuid ? { secretUuid: d.secretUuid } : undefined,
          }
        : d,
    ),
    nics,
    hostdevs: (args.hostdevs ?? []).map((h) => {
      if (!(h instanceof PciPassthrough)) return h;
      return { address: formatPciAddress(h.address), managed: h.managed };
    }),
    chipset: args.chipset,
    firmware: args.firmware,
    expanderBuses: Array.isArray(options.expanderBuses) ? options.expanderBuses : [],
    domainType: args.domainType,
    running: args.running,
    serialConsole: args.serialConsole,
    boot: args.boot,
    // the password is not part of the spec: it stays an Input, for the provider alone
    graphics: args.graphics && typeof args.graphics === "object" ? { type: args.graphics.type, listen: args.graphics.listen } : args.graphics,
    cdroms:
      Array.isArray(args.cdroms) || args.cdroms === undefined
        ? [...(args.cdroms ?? []), ...(cloudInit ? [{ source: { pool: cloudInit.pool, volume: cloudInit.volume } }] : [])]
        : args.cdroms,
  };
  return { input, pfNics, lateMacs };
}

function demandOf(spec: VmSpec, args: PinnedVmArgs, options: PinnedVmOptions, component: string, pfNics: PfNic[]): VmDemand {
  const pinning = spec.pinning ?? "auto";
  const hp = spec.memory.hugepages;
  const pfIndex = new Map(pfNics.map((p) => [p.index, p.nic]));
  const devices: DeviceDemand[] = [];
  spec.nics.forEach((n, i) => {
    const owner = args.nics?.[i] instanceof SriovNic ? (args.nics[i] as SriovNic).component : component;
    const pfNic = pfIndex.get(i);
    const nic = args.nics?.[i] instanceof SriovNic ? (args.nics[i] as SriovNic) : undefined;
    // a VF named by address and PF: the ledger checks that the VF is the PF's
    if (pfNic) devices.push({ kind: "vf", owner, path: `nics[${i}]`, pf: pfNic.pf });
    else if (n.type === "vf") devices.push({ kind: "vf", owner, path: `nics[${i}]`, address: n.address, ...(nic?.pf ? { pf: nic.pf } : {}) });
  });
  spec.hostdevs.forEach((h, i) => {
    const owner = args.hostdevs?.[i] instanceof PciPassthrough ? (args.hostdevs[i] as PciPassthrough).component : component;
    devices.push({ kind: "pci", owner, path: `hostdevs[${i}]`, address: h.address });
  });
  // Only hugepage memory is claimed from the host's pools (ordinary memory is not accounted):
  // with hugepages on some guest cells only, the others count for nothing.
  const backed = (cell: number) => !hp?.guestNodes || hp.guestNodes.includes(cell);
  const boundTo = new Map(spec.numa.memnodes.map((m) => [m.cell, m.hostNodes]));
  const cells = spec.numa.cells.map((c, i) => ({ vcpus: c.cpus, memoryBytes: hp && !backed(i) ? 0 : c.memory, hostNodes: boundTo.get(i) }));
  return {
    owner: component,
    vcpus: spec.vcpus,
    threadsPerCore: spec.cpu.topology?.threads ?? 1,
    pinning: pinning === "auto" ? "auto" : { vcpus: pinning.vcpus, emulator: pinning.emulator, iothreads: pinning.iothreads },
    iothreads: spec.iothreads,
    emulator: options.emulator,
    numa: spec.numa.allowSpanning ? "spread" : "local",
    guestCells: cells.length ? cells : undefined,
    memory: { bytes: hp?.guestNodes ? cells.reduce((sum, c) => sum + c.memoryBytes, 0) : spec.memory.size, pageSizeBytes: hp && PAGE_SIZES[hp.pageSize], hostNodes: spec.numa.hostNodes },
    devices,
    strictLocality: options.strictLocality,
  };
}

/** Puts the VFs placement picked for PF NICs into the spec, as hostdev interfaces. */
function withChosenVfs(spec: VmSpec, placement: Placement, pfNics: PfNic[]): VmSpec {
  if (!pfNics.length) return spec;
  const chosen = new Map(placement.devices.map((d) => [d.path, d.address]));
  const nics = spec.nics.map((n, i) => {
    const address = chosen.get(`nics[${i}]`);
    if (!pfNics.some((p) => p.index === i) || !address || n.type !== "hostdev-network") return n;
    return { type: "vf" as const, address, mac: n.mac, vlan: n.vlan, trust: pfNics.find((p) => p.index === i)!.nic.trust };
  });
  return { ...spec, nics };
}

/** Guest cell of each placed device: the cell that placement put on the device's host node. */
function guestNodesOfDevices(placement: Placement): DeviceGuestNodes {
  const cellOfHostNode = new Map<number, number>();
  for (const g of placement.guestCells) if (!cellOfHostNode.has(g.hostNode)) cellOfHostNode.set(g.hostNode, g.cell);
  const out: Record<string, number> = {};
  for (const d of placement.devices) {
    const cell = d.node === undefined ? undefined : cellOfHostNode.get(d.node);
    if (cell !== undefined) out[d.path] = cell;
  }
  return out;
}

function expanderBuses(spec: VmSpec, wanted: PinnedVmOptions["expanderBuses"], deviceNodes: DeviceGuestNodes): ExpanderBus[] {
  if (Array.isArray(wanted)) return spec.expanderBuses;
  if (wanted === "none") return [];
  const nodes = passthroughGuestNodes(spec, deviceNodes).flatMap((d) => (d.node === undefined ? [] : [d.node]));
  const cells = [...new Set(nodes)].sort((a, b) => a - b);
  return spec.numa.cells.length ? cells.map((guestNode) => ({ guestNode })) : [];
}
