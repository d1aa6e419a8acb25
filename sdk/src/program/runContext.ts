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
import { componentId, describeComponent, type ComponentKind } from "./componentContract";
import type { HypervisorClaims } from "./hypervisorClaims";

/**
 * What a program run declared, for `virtkit plan`, and the state its components share:
 * filled by the components as they are constructed.
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
  /** It fit only in the share the lock keeps for a VM not declared before it, and took it (virtkit plan's first pass). */
  readonly tookLockedShare?: boolean;
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

/**
 * One program run: what its components declared (for `virtkit plan`), the names they took,
 * the hypervisors they share, the host models built and the placement lock. Created once per
 * run by {@link currentRun}; a LibvirtHost holds it, and the components on a host reach it
 * through their host, so nothing else in a run is module state.
 */
export class ProgramRun {
  readonly vms: PlannedVm[] = [];
  readonly networks: PlannedNetwork[] = [];
  readonly hosts: PlannedHost[] = [];
  readonly volumes: PlannedVolume[] = [];
  /** Hypervisors by URI as written. */
  readonly hypervisors = new Map<string, HypervisorClaims>();
  /** Hypervisors whose URI was known only at deployment, by that URI once resolved. */
  readonly lateHypervisors = new Map<string, HypervisorClaims>();
  /** Top-level component names taken, per kind. */
  private readonly componentNames = new Map<ComponentKind, Set<string>>();
  /** Host models built in this run, by their documents (see sharedHostModel). */
  private readonly hostModels = new Map<string, HostModel>();
  /** Undefined until first read; null when the run has none (virtkit plan --no-lock). */
  private lockState: ProgramLock | null | undefined;
  /** Set by virtkit plan, which reports changes itself: components then print no change diagnostics. */
  private underPlan = false;

  /** `readLock` finds the run's lock when it is first asked for and none was set. */
  constructor(private readonly readLock: () => ProgramLock | null) {}

  /**
   * The placement lock of this run: as `virtkit plan` set it, or read once (see defaultLock).
   * @throws VirtkitValidationError naming the file and the entry when the file cannot be used
   */
  lock(): ProgramLock | null {
    if (this.lockState === undefined) this.lockState = this.readLock();
    return this.lockState;
  }

  /** Sets this run's lock before the program runs under virtkit plan; null runs without one. */
  setLock(lock: ProgramLock | null): void {
    this.lockState = lock;
    this.underPlan = true;
  }

  /** Whether components say what each change does as engine diagnostics (not under virtkit plan, which prints a table). */
  get changeDiagnostics(): boolean {
    return !this.underPlan;
  }

  /** The locked VMs of a host, by ledger owner (`PinnedVm "db"`). */
  lockedVmsOf(hostName: string): Map<string, LockedEntry> {
    const vms = this.lock()?.section?.hosts[hostName]?.vms ?? {};
    return new Map(Object.entries(vms).map(([name, vm]) => [describeComponent(componentId("PinnedVm", name)), { placement: placementOfLock(vm.placement), request: vm.request }]));
  }

  /**
   * The model of a host's documents, built once per run: a fleet of identical hosts (one set
   * of facts spread over many LibvirtHosts) is parsed once. Models are immutable; each host
   * keeps its own ledger of claims.
   */
  sharedHostModel(capabilities: string, devices: readonly string[], build: () => HostModel): HostModel {
    // NUL cannot occur in an XML document, so the key is unambiguous
    const key = [capabilities, ...devices].join("\0");
    let model = this.hostModels.get(key);
    if (!model) this.hostModels.set(key, (model = build()));
    return model;
  }

  /**
   * The engine refuses two resources with one URN; mocks do not, and the failure would come
   * late and far from the cause. A top-level virtkit component's URN is its type and name, so
   * a name may be used once per component kind in a program; a child's URN has its parent's
   * type in it, so children are left to the engine.
   * @throws VirtkitValidationError when `name` is taken; claims it otherwise
   */
  requireUniqueName(kind: ComponentKind, name: string, opts: { parent?: unknown }): void {
    requireName(kind, name);
    if (opts.parent !== undefined) return;
    this.checkUniqueName(kind, name, opts);
    let names = this.componentNames.get(kind);
    if (!names) this.componentNames.set(kind, (names = new Set()));
    names.add(name);
  }

  /** The same check without claiming the name (for a component that claims it after more checks). */
  checkUniqueName(kind: ComponentKind, name: string, opts: { parent?: unknown }): void {
    requireName(kind, name);
    if (opts.parent !== undefined || !this.componentNames.get(kind)?.has(name)) return;
    const reason = `another ${kind} is already named "${name}" in this program; resource names must be unique (domainName and name set the libvirt names)`;
    throw new VirtkitValidationError(describeComponent(componentId(kind, name)), [{ path: "", reason }]);
  }
}

/** A component's name names its Pulumi resource (and by default its libvirt object): it cannot be empty. */
export function requireName(kind: ComponentKind, name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new VirtkitValidationError(`${kind} ${JSON.stringify(name) ?? String(name)}`, [{ path: "", reason: "a component's name must be a non-empty string: it names the Pulumi resource and, by default, the libvirt object" }]);
  }
}

const runs = new WeakMap<object, ProgramRun>();
const outsideAnyRun = {};

let runKey: (() => object | undefined) | undefined;
/**
 * For a process that serves one program run through many calls, each with its own Pulumi
 * runtime state (virtkit's component provider): what identifies the run instead.
 */
export function setProgramRunKey(key: () => object | undefined): void {
  runKey = key;
}

/**
 * The run in progress: the one place virtkit looks its run up. A program has no entry point
 * of virtkit's, so the run is keyed by what Pulumi keeps per run: its stack resource or,
 * under the mock engine, its monitor (Automation API inline programs run preview, then up,
 * in one process). The CLI and the program share one copy of virtkit.
 */
export function currentRun(): ProgramRun {
  const key: object = runKey?.() ?? pulumi.runtime.getStackResource() ?? pulumi.runtime.getMonitor() ?? outsideAnyRun;
  let run = runs.get(key);
  if (!run) runs.set(key, (run = new ProgramRun(defaultLock)));
  return run;
}

/** Environment variable naming the lock file instead of `virtkit.lock.json` in the program's directory. */
export const LOCK_FILE_ENV = "VIRTKIT_LOCK_FILE";

/**
 * The lock a run outside `virtkit plan` keeps: `$VIRTKIT_LOCK_FILE`, else `virtkit.lock.json`
 * in the working directory (where Pulumi runs a program: beside its Pulumi.yaml), section
 * `pulumi.getStack()`.
 */
function defaultLock(): ProgramLock {
  return readProgramLock(process.env[LOCK_FILE_ENV] || resolve(LOCK_FILE_NAME), pulumi.getStack());
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

/** VMs this program run declared so far, in declaration order. */
export function plannedVms(): readonly PlannedVm[] {
  return currentRun().vms;
}

/** Virtual networks this program run declared so far, in declaration order. */
export function plannedNetworks(): readonly PlannedNetwork[] {
  return currentRun().networks;
}

/** Volumes this program run declared so far, in declaration order. */
export function plannedVolumes(): readonly PlannedVolume[] {
  return currentRun().volumes;
}

/** LibvirtHosts this program run declared so far, in declaration order. */
export function plannedHosts(): readonly PlannedHost[] {
  return currentRun().hosts;
}

/** A LibvirtHost as the plan reports it. */
export interface PlannedHost {
  readonly name: string;
  readonly uri: string;
  readonly ledger: HostLedger | undefined;
}

/** Sets the run's lock before the program runs under virtkit plan (and in tests); null runs without one. */
export function setProgramLock(lock: ProgramLock | null): void {
  currentRun().setLock(lock);
}
