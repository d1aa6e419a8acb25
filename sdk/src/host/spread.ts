import type { VmDemand } from "./demand";
import type { HostLedger } from "./ledger";

/** Raised by {@link spreadAcrossHosts} for input it cannot honour. */
export class SpreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpreadError";
  }
}

/** Options of {@link spreadAcrossHosts}. */
export interface SpreadOptions {
  /** Refuse more VMs than hosts instead of putting several VMs on a host. Default false. */
  readonly strict?: boolean;
}

/**
 * Anti-affinity for a group of VMs (replicas of one service): assigns VM `i` to host
 * `i mod hosts.length`, so no two share a host while there are enough hosts. The order
 * of both lists is the stable order: append new VMs at the end and earlier VMs keep their
 * hosts. Returns VM name -> host name, in VM order.
 * @throws SpreadError for duplicate names, no hosts, or (with `strict`) more VMs than hosts
 */
export function spreadAcrossHosts(hostNames: readonly string[], vmNames: readonly string[], options: SpreadOptions = {}): Record<string, string> {
  const dupHost = firstDuplicate(hostNames);
  if (dupHost !== undefined) throw new SpreadError(`host "${dupHost}" is listed twice`);
  const dupVm = firstDuplicate(vmNames);
  if (dupVm !== undefined) throw new SpreadError(`VM "${dupVm}" is listed twice`);
  if (vmNames.length > 0 && hostNames.length === 0) throw new SpreadError(`no hosts to spread ${vmNames.length} VMs over`);
  if (options.strict && vmNames.length > hostNames.length) {
    throw new SpreadError(
      `${vmNames.length} VMs cannot be kept apart on ${hostNames.length} hosts; add hosts or drop strict to let VMs share`,
    );
  }
  const out: Record<string, string> = {};
  vmNames.forEach((vm, i) => (out[vm] = hostNames[i % hostNames.length]));
  return out;
}

function firstDuplicate(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return undefined;
}

/**
 * The first ledger, in the given order, where `place(demand)` would succeed now
 * (checked with a dry run; nothing is claimed). Undefined when no host can take it;
 * `ledger.plan(demand).result` then says why for each host.
 */
export function pickHostWithCapacity(ledgers: readonly HostLedger[], demand: VmDemand): HostLedger | undefined {
  // Counts of free CPUs, pages and VFs rule out full hosts without a dry run, which would
  // dominate first fit over many hosts; they never rule out a host where the dry run succeeds.
  return ledgers.find((l) => l.ruledOut(demand) === undefined && l.canPlace(demand));
}
