import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Placement } from "../host/demand";
import type { HostLedger, LockedEntry } from "../host/ledger";
import type { HostModel } from "../host/model";
import { LOCK_FILE_NAME, LockFileError, parseLockFile, placementOfLock, type LockedVm, type StackLock } from "../host/placementLock";
import type { LockOutcome } from "../host/lockedPlacement";
import type { PlacementReport } from "../host/placementReport";
import type { Change, Digest } from "../render/changes";
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
  /** The VM's name in the lock (its component name). */
  readonly name?: string;
  /** Its lock entry as `virtkit plan` writes it (when the host is known). */
  readonly lockEntry?: LockedVm;
  /** Whether it kept its locked placement, was placed afresh or re-placed. */
  readonly lockOutcome?: LockOutcome;
  /** Digest of the domain's provider inputs. */
  readonly digest?: Digest;
  /** What the change since the lock does to the domain; undefined without a lock. */
  readonly change?: Change;
  /** Its pinning is applied live (the `livePinning` option). */
  readonly livePinning?: boolean;
}

/** Filled by Qcow2Volume. */
export interface PlannedVolume {
  readonly component: string;
  readonly name: string;
  readonly host: string;
  readonly digest: Digest;
  readonly protected: boolean;
  readonly change?: Change;
}

/**
 * The placement lock a program run reads: its file, the stack's section, and how strictly it
 * is kept. `section` is undefined when the file is missing or has no section for the stack.
 */
export interface ProgramLock {
  readonly file: string;
  readonly stack: string;
  readonly exists: boolean;
  readonly section: StackLock | undefined;
  /** Let a VM that fits nowhere else take a locked share (virtkit plan's first pass). Default false. */
  readonly takeLockedShares?: boolean;
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
  readonly volumes: PlannedVolume[];
  readonly componentNames: Set<string>;
  /** Host models built in this run, by their documents (see sharedHostModel). */
  readonly hostModels: Map<string, HostModel>;
  /** The run's lock: undefined until first read, null when the run has none (virtkit plan --no-lock). */
  lock?: ProgramLock | null;
  /** Set by virtkit plan, which reports changes itself: components then print no change diagnostics. */
  underPlan?: boolean;
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
  if (!record) records.set(key, (record = { vms: [], networks: [], hosts: [], volumes: [], componentNames: new Set(), hostModels: new Map() }));
  return record;
}

/** Environment variable naming the lock file instead of `virtkit.lock.json` in the program's directory. */
export const LOCK_FILE_ENV = "VIRTKIT_LOCK_FILE";

/**
 * The placement lock of this run: as `virtkit plan` set it, or read once from `$VIRTKIT_LOCK_FILE`
 * or `virtkit.lock.json` in the working directory (where Pulumi runs a program: beside its
 * Pulumi.yaml), section `pulumi.getStack()`. Null when the run has none.
 * @throws VirtkitValidationError naming the file and the entry when the file cannot be used
 */
export function programLock(): ProgramLock | null {
  const record = currentProgram();
  if (record.lock === undefined) record.lock = readProgramLock(process.env[LOCK_FILE_ENV] || resolve(LOCK_FILE_NAME), pulumi.getStack());
  return record.lock;
}

/** Sets this run's lock before the program runs under virtkit plan; null runs without one. */
export function setProgramLock(lock: ProgramLock | null): void {
  const record = currentProgram();
  record.lock = lock;
  record.underPlan = true;
}

/** Whether components say what each change does as engine diagnostics (not under virtkit plan, which prints a table). */
export function changeDiagnostics(): boolean {
  return !currentProgram().underPlan;
}

/** Reads a lock file; a missing file is an empty lock. */
export function readProgramLock(file: string, stack: string): ProgramLock {
  if (!existsSync(file)) return { file, stack, exists: false, section: undefined };
  try {
    return { file, stack, exists: true, section: parseLockFile(readFileSync(file, "utf8"), file).stacks[stack] };
  } catch (e) {
    throw e instanceof LockFileError ? lockFileProblem(e) : e;
  }
}

/** A lock file that cannot be used, as the validation error a program run or virtkit plan reports. */
export function lockFileProblem(e: LockFileError): VirtkitValidationError {
  return new VirtkitValidationError(`placement lock ${e.file}`, [{ path: e.entry, reason: `${e.reason}; fix the entry or delete it (virtkit plan then places that VM afresh and locks it again)` }]);
}

/** The locked VMs of a host, by ledger owner (`PinnedVm "db"`). */
export function lockedVmsOf(hostName: string): Map<string, LockedEntry> {
  const vms = programLock()?.section?.hosts[hostName]?.vms ?? {};
  return new Map(Object.entries(vms).map(([name, vm]) => [`PinnedVm "${name}"`, { placement: placementOfLock(vm.placement), request: vm.request }]));
}

export function recordPlannedVolume(volume: PlannedVolume): void {
  currentProgram().volumes.push(volume);
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


/** Volumes this program run declared so far, in declaration order. */
export function plannedVolumes(): readonly PlannedVolume[] {
  return currentProgram().volumes;
}
