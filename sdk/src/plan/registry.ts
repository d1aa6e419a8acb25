import type { Placement } from "../host/allocator";

/** What `virtkit plan` reports of each VM a program declared. Filled by PinnedVm. */
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
