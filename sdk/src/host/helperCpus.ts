import { checkExplicitPins, pickCpus } from "./cpuPlanning";
import type { LedgerIssue, Placement, VmDemand } from "./demand";
import type { Draft } from "./draft";

/**
 * CPUs for the emulator or one iothread. Housekeeping: the reserved CPUs of the VM's
 * nodes, else all reserved CPUs, else none (left unpinned, libvirt's default). Dedicated:
 * a free CPU of its own on the VM's nodes first (a whole core for an SMT guest's emulator,
 * so no vCPU shares its core).
 */
export function pickHelperCpus(draft: Draft, demand: VmDemand, nodes: readonly number[], role: string, path: string): number[] | LedgerIssue {
  if (demand.emulator === "housekeeping") {
    const reserved = [...draft.view.reserved].sort((a, b) => a - b);
    const local = reserved.filter((c) => nodes.includes(draft.view.index.cpus.get(c)?.node ?? -1));
    return local.length > 0 ? local : reserved;
  }
  const others = draft.view.host.nodes.map((n) => n.id).filter((n) => !nodes.includes(n));
  for (const node of [...nodes, ...others]) {
    const smt = role === "emulator" && demand.threadsPerCore > 1 ? draft.view.index.threadsPerCore(node) : 1;
    const picked = pickCpus(draft, node, smt, smt);
    if (!picked.ok) continue;
    draft.take(picked.cpus, role);
    return picked.cpus;
  }
  return { owner: demand.owner, path, reason: `no free host CPU is left for a dedicated ${role}` };
}

/** The emulator's and iothreads' CPUs: explicit pins checked, else picked on the VM's nodes. */
export function planHelpers(draft: Draft, demand: VmDemand, nodes: readonly number[], errors: LedgerIssue[]): Pick<Placement, "emulator" | "iothreads"> {
  const pinning = demand.pinning === "auto" ? undefined : demand.pinning;
  let emulator: number[] = [];
  if (pinning?.emulator) {
    const issues = checkExplicitPins(draft, demand, [{ path: "pinning.emulator", role: "emulator", cpus: pinning.emulator }], true);
    errors.push(...issues);
    emulator = [...pinning.emulator];
  } else {
    const picked = pickHelperCpus(draft, demand, nodes, "emulator", "emulator");
    if (Array.isArray(picked)) emulator = picked;
    else errors.push(picked);
  }
  return { emulator, iothreads: planIothreads(draft, demand, nodes, emulator, errors) };
}

function planIothreads(draft: Draft, demand: VmDemand, nodes: readonly number[], emulator: readonly number[], errors: LedgerIssue[]): Placement["iothreads"] {
  const pinning = demand.pinning === "auto" ? undefined : demand.pinning;
  const iothreads: { id: number; hostCpus: number[] }[] = [];
  if (pinning?.iothreads) {
    if (pinning.iothreads.length !== demand.iothreads) {
      errors.push({ owner: demand.owner, path: "pinning.iothreads", reason: `has ${pinning.iothreads.length} cpusets for ${demand.iothreads} iothreads; give one per iothread` });
    }
    const pins = pinning.iothreads.map((cpus, i) => ({ path: `pinning.iothreads[${i}]`, role: `iothread ${i + 1}`, cpus }));
    errors.push(...checkExplicitPins(draft, demand, pins, true));
    pinning.iothreads.forEach((cpus, i) => iothreads.push({ id: i + 1, hostCpus: [...cpus] }));
    return iothreads;
  }
  for (let id = 1; id <= demand.iothreads; id++) {
    const picked = pickHelperCpus(draft, demand, nodes, `iothread ${id}`, "iothreads");
    if (!Array.isArray(picked)) errors.push(picked);
    // no housekeeping CPUs on the host: the iothread runs with the emulator, never on an
    // empty cpuset (libvirt refuses "" at define time)
    else if (picked.length) iothreads.push({ id, hostCpus: picked });
    else if (emulator.length) iothreads.push({ id, hostCpus: [...emulator] });
  }
  return iothreads;
}
