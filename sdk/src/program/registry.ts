import * as pulumi from "@pulumi/pulumi";
import type { Placement } from "../host/allocator";
import type { HostLedger } from "../host/ledger";
import type { HostModel } from "../host/model";
import type { PlacementReport } from "../host/placementReport";
import { VirtkitValidationError } from "../errors";

/**
 * What a program declared, for `virtkit plan`: filled by the components as they are
 * constructed. Kept per program run (Automation API inline programs run preview, then up,
 * in one process), keyed by the run's stack resource or, under the mock engine, its monitor.
 * The CLI and the program share one copy of virtkit (the program's `import "virtkit"`
 * resolves to the CLI's package).
 */

/** Filled by PinnedVm. */
export interface PlannedVm {
  readonly component: string;
  readonly host: string;
  readonly domainName: string;
  readonly domainXml: string;
  readonly placement: Placement | undefined;
  /** The placement as reported to users; for an unknown host, the explicit pins. */
  readonly report: PlacementReport;
  readonly warnings: readonly string[];
}

/** Filled by VirtualNetwork. */
export interface PlannedNetwork {
  readonly component: string;
  readonly host: string;
  readonly networkName: string;
  readonly networkXml: string;
  readonly warnings: readonly string[];
}

/** Everything one program run declared. */
export interface ProgramRecord {
  readonly vms: PlannedVm[];
  readonly networks: PlannedNetwork[];
  readonly hosts: PlannedHost[];
  readonly componentNames: Set<string>;
  /** Host models built in this run, by their documents (see sharedHostModel). */
  readonly hostModels: Map<string, HostModel>;
}

const records = new WeakMap<object, ProgramRecord>();
const outsideAnyRun = {};

let runKey: (() => object | undefined) | undefined;
/**
 * For a process that serves one program run through many calls, each with its own Pulumi
 * runtime state (virtkit's component provider): what identifies the run instead.
 */
export function setProgramRunKey(key: () => object | undefined): void {
  runKey = key;
}

/** The record of the program run in progress. */
export function currentProgram(): ProgramRecord {
  const key: object = runKey?.() ?? pulumi.runtime.getStackResource() ?? pulumi.runtime.getMonitor() ?? outsideAnyRun;
  let record = records.get(key);
  if (!record) records.set(key, (record = { vms: [], networks: [], hosts: [], componentNames: new Set(), hostModels: new Map() }));
  return record;
}

export function recordPlannedVm(vm: PlannedVm): void {
  currentProgram().vms.push(vm);
}

/** VMs this program run declared so far, in declaration order. */
export function plannedVms(): readonly PlannedVm[] {
  return currentProgram().vms;
}

export function recordPlannedNetwork(net: PlannedNetwork): void {
  currentProgram().networks.push(net);
}

/** Virtual networks this program run declared so far, in declaration order. */
export function plannedNetworks(): readonly PlannedNetwork[] {
  return currentProgram().networks;
}

/** A LibvirtHost as the plan reports it. */
export interface PlannedHost {
  readonly name: string;
  readonly uri: string;
  readonly ledger: HostLedger | undefined;
}

export function recordPlannedHost(host: PlannedHost): void {
  currentProgram().hosts.push(host);
}

export function plannedHosts(): readonly PlannedHost[] {
  return currentProgram().hosts;
}

/**
 * The model of a host's documents, built once per program run: a fleet of identical hosts
 * (one set of facts spread over many LibvirtHosts) is parsed once. Models are immutable;
 * each host keeps its own ledger of claims.
 */
export function sharedHostModel(capabilities: string, devices: readonly string[], build: () => HostModel): HostModel {
  // NUL cannot occur in an XML document, so the key is unambiguous
  const key = [capabilities, ...devices].join("\0");
  const models = currentProgram().hostModels;
  let model = models.get(key);
  if (!model) models.set(key, (model = build()));
  return model;
}

/**
 * The engine refuses two resources with one URN; mocks do not, and the failure would
 * come late and far from the cause. A top-level virtkit component's URN is its type and
 * name, so a name may be used once per component type in a program.
 * Returns a reason when `name` is taken.
 */
export function claimComponentName(type: string, name: string, hasParent: boolean): string | undefined {
  if (hasParent) return undefined; // the parent's type is part of the URN; leave those to the engine
  const key = `${type}::${name}`;
  const { componentNames } = currentProgram();
  if (componentNames.has(key)) {
    return `another ${type.split(":").pop()} is already named "${name}" in this program; resource names must be unique (domainName and name set the libvirt names)`;
  }
  componentNames.add(key);
  return undefined;
}

/** Throws VirtkitValidationError when a top-level component of this type already has `name`, without claiming it. */
export function checkUniqueName(type: string, name: string, opts: { parent?: unknown }): void {
  if (opts.parent !== undefined || !currentProgram().componentNames.has(`${type}::${name}`)) return;
  requireUniqueName(type, name, opts);
}

/** Throws VirtkitValidationError when a top-level component of this type already has `name`; claims it otherwise. */
export function requireUniqueName(type: string, name: string, opts: { parent?: unknown }): void {
  const reason = claimComponentName(type, name, opts.parent !== undefined);
  if (reason) throw new VirtkitValidationError(`${type.split(":").pop()} "${name}"`, [{ path: "", reason }]);
}

