import type { ValidationIssue } from "../errors";
import { formatCpuset } from "../schema/cpuset";
import type { HostModel } from "./model";

/**
 * Sizes one VM asks that its host could never give, whatever else runs there: more memory than
 * all of its RAM, or than the NUMA nodes the memory is bound to. Ordinary memory may be
 * overcommitted across VMs; one VM larger than the machine cannot start. vCPUs are not judged
 * here: more vCPUs than host CPUs, pinned explicitly onto them, is overcommit that KVM runs
 * (the guest-view suite runs 4 on 2); automatic pinning, which gives each vCPU a CPU of its
 * own, is the placement's to refuse. Hugepage pools are the placement's too (claimed VM by VM).
 */

/** What the VM asks, with the field its memory came from (`memory.size`, or `memory` for a HugepageMemory). */
export interface SizeDemand {
  readonly memoryBytes: number;
  readonly memoryPath: string;
  /** Host nodes the memory is bound to (`numatune`), and how. */
  readonly hostNodes?: readonly number[];
  readonly numaMode: string;
}

/** `bytes` as a person reads it: exact when it is a whole unit (`16GiB`), else to a tenth (`187.3GiB`). */
export function approxSize(bytes: number): string {
  for (const [unit, scale] of [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (bytes < scale) continue;
    const v = bytes / scale;
    return Number.isInteger(v) ? `${v}${unit}` : `${v.toFixed(1).replace(/\.0$/, "")}${unit}`;
  }
  return `${bytes}B`;
}

/** Why a VM of `demand` could never run on the host of `model`, if it could not; every reason names the host's capacity. */
export function hostSizeIssues(demand: SizeDemand, model: HostModel, hostName: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const total = model.nodes.reduce((sum, n) => sum + n.memoryBytes, 0);
  const nodes = `${model.nodes.length} NUMA node${model.nodes.length === 1 ? "" : "s"}`;
  if (total > 0 && demand.memoryBytes > total) {
    issues.push({ path: demand.memoryPath, reason: `${approxSize(demand.memoryBytes)} is more than all the memory of host ${hostName} (${approxSize(total)} on ${nodes})` });
    return issues;
  }
  // "preferred" lets the kernel take memory elsewhere when the nodes are full; the other modes do not
  const bound = demand.hostNodes?.length && demand.numaMode !== "preferred" ? model.nodes.filter((n) => demand.hostNodes!.includes(n.id)) : [];
  const held = bound.reduce((sum, n) => sum + n.memoryBytes, 0);
  if (bound.length && held > 0 && demand.memoryBytes > held) {
    const which = formatCpuset(bound.map((n) => n.id));
    issues.push({ path: demand.memoryPath, reason: `${approxSize(demand.memoryBytes)} is more than host ${hostName} has on node${bound.length === 1 ? "" : "s"} ${which} (${approxSize(held)}), where numa.hostNodes binds the memory` });
  }
  return issues;
}
