import type { Placement } from "../host/allocator";
import type { HostLedger } from "../host/ledger";
import type { PlacementReport } from "../host/placementReport";
import { VirtkitValidationError } from "../errors";

/**
 * What a program declared, for `virtkit plan`: filled by the components as they are
 * constructed. Plain module state, so the CLI and the program must share one copy of
 * virtkit (they do: the program's `import "virtkit"` resolves to the CLI's package).
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

const planned: PlannedVm[] = [];

export function recordPlannedVm(vm: PlannedVm): void {
  planned.push(vm);
}

/** VMs declared so far in this process, in declaration order. */
export function plannedVms(): readonly PlannedVm[] {
  return planned;
}

/** A LibvirtHost as the plan reports it. */
export interface PlannedHost {
  readonly name: string;
  readonly uri: string;
  readonly ledger: HostLedger | undefined;
}

const hosts: PlannedHost[] = [];

export function recordPlannedHost(host: PlannedHost): void {
  hosts.push(host);
}

export function plannedHosts(): readonly PlannedHost[] {
  return hosts;
}

const componentNames = new Set<string>();

/**
 * The engine refuses two resources with one URN; mocks do not, and the failure would
 * come late and far from the cause. A top-level virtkit component's URN is its type and
 * name, so a name may be used once per component type in a program.
 * Returns a reason when `name` is taken.
 */
export function claimComponentName(type: string, name: string, hasParent: boolean): string | undefined {
  if (hasParent) return undefined; // the parent's type is part of the URN; leave those to the engine
  const key = `${type}::${name}`;
  if (componentNames.has(key)) {
    return `another ${type.split(":").pop()} is already named "${name}" in this program; resource names must be unique (domainName and name set the libvirt names)`;
  }
  componentNames.add(key);
  return undefined;
}

/** Throws VirtkitValidationError when a top-level component of this type already has `name`, without claiming it. */
export function checkUniqueName(type: string, name: string, opts: { parent?: unknown }): void {
  if (opts.parent !== undefined || !componentNames.has(`${type}::${name}`)) return;
  requireUniqueName(type, name, opts);
}

/** Throws VirtkitValidationError when a top-level component of this type already has `name`; claims it otherwise. */
export function requireUniqueName(type: string, name: string, opts: { parent?: unknown }): void {
  const reason = claimComponentName(type, name, opts.parent !== undefined);
  if (reason) throw new VirtkitValidationError(`${type.split(":").pop()} "${name}"`, [{ path: "", reason }]);
}

/** Forgets everything recorded (between programs run in one process). */
export function resetPlan(): void {
  planned.splice(0);
  hosts.splice(0);
  componentNames.clear();
}
