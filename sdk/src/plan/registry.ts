import type { Placement } from "../host/allocator";
import type { HostLedger } from "../host/ledger";

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

/** Forgets everything recorded (between programs run in one process). */
export function resetPlan(): void {
  planned.splice(0);
  hosts.splice(0);
}
