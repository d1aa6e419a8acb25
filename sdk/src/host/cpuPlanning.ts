import { formatCpuset } from "../schema/cpuset";
import { formatSize } from "../schema/units";
import type { LedgerIssue, VmDemand } from "./demand";
import type { Draft } from "./draft";
import { memoryFits, reserveMemory, type Shortage } from "./memoryPlanning";
import type { HostCpu } from "./model";

/** Host CPUs picked on one node, or why the node cannot give them. */
export type CpuPick = { readonly ok: true; readonly cpus: number[] } | { readonly ok: false; readonly reason: string };

/**
 * Picks host CPUs on one node for `count` guest vCPUs, or says why it cannot.
 * With guest SMT (`threads` > 1) every `threads` consecutive vCPUs get the thread siblings
 * of one whole free host core, as libvirt numbers guest threads innermost. Otherwise
 * CPUs are taken core by core, both threads of free cores first: a VM then shares
 * physical cores only with itself, and whole cores stay free for SMT guests.
 */
export function pickCpus(draft: Draft, node: number, count: number, threads: number): CpuPick {
  const cores = draft.view.index.cores(node);
  if (threads > 1) {
    const usable = cores.filter((s) => s.length >= threads && s.every((c) => draft.isFree(c)));
    const needed = Math.ceil(count / threads);
    if (usable.length < needed) {
      const smt = draft.view.index.threadsPerCore(node);
      if (smt < threads) return { ok: false, reason: `host node ${node} has ${smt} thread(s) per core, the guest wants ${threads}` };
      return { ok: false, reason: `host node ${node} has ${usable.length} whole free core(s), ${needed} needed for ${count} vCPUs with ${threads} threads per core` };
    }
    return { ok: true, cpus: Array.from({ length: count }, (_, k) => usable[Math.floor(k / threads)][k % threads]) };
  }
  const whole = cores.filter((s) => s.every((c) => draft.isFree(c))).flat();
  const partial = cores.filter((s) => !s.every((c) => draft.isFree(c))).flat().filter((c) => draft.isFree(c));
  const order = [...whole, ...partial];
  if (order.length < count) return { ok: false, reason: `host node ${node} has ${order.length} free CPU(s), ${count} needed` };
  return { ok: true, cpus: order.slice(0, count) };
}

/** The vCPU side of a placement. */
export interface CpuPlan {
  /** Host CPUs of each vCPU, index = vCPU. */
  readonly vcpuCpus: readonly (readonly number[])[];
  /** Host node of each vCPU. */
  readonly vcpuNodes: readonly number[];
  readonly guestCells: readonly { readonly cell: number; readonly hostNode: number }[];
}

/** Free CPUs of a node (reserved and held CPUs excluded), for ranking nodes. */
export function freeCpuCount(draft: Draft, node: number): number {
  return draft.view.index.cores(node).reduce((n, core) => n + core.filter((c) => draft.isFree(c)).length, 0);
}

/** How many vCPUs with `t` threads per core a node can still take. */
function roomFor(draft: Draft, node: number, t: number): number {
  if (t === 1) return freeCpuCount(draft, node);
  return draft.view.index.cores(node).filter((s) => s.length >= t && s.every((c) => draft.isFree(c))).length * t;
}

/**
 * vCPUs: explicit cpusets checked, or auto placement over the allowed nodes, those of the
 * devices pinned to a PF or address first, then nodes with enough free VFs and free CPUs.
 */
export function planCpus(draft: Draft, demand: VmDemand, pinnedDeviceNodes: readonly (number | undefined)[], errors: LedgerIssue[], warnings: LedgerIssue[]): CpuPlan | undefined {
  if (demand.pinning !== "auto") return planExplicitCpus(draft, demand, demand.pinning.vcpus, errors, warnings);
  const allowed = demand.memory.hostNodes ? new Set(demand.memory.hostNodes) : undefined;
  const candidates = draft.view.host.nodes.filter((n) => n.cpuIds.length > 0 && (!allowed || allowed.has(n.id))).map((n) => n.id);
  const deviceNodes = [...new Set(pinnedDeviceNodes.filter((n): n is number => n !== undefined && candidates.includes(n)))];
  const wantVfs = demand.devices.filter((d) => d.kind === "vf" && d.pf === undefined && d.address === undefined).length;
  const rank = (n: number) => [freeVfsOn(draft, n) >= wantVfs ? 0 : 1, -freeCpuCount(draft, n), n];
  const rest = candidates.filter((n) => !deviceNodes.includes(n)).sort((a, b) => compareTuples(rank(a), rank(b)));
  const plan = planAutoCpus(draft, demand, [...deviceNodes, ...rest]);
  if (Array.isArray(plan)) return void errors.push(...plan);
  return plan;
}

/** Explicit vCPU cpusets, checked; guest cells go where most of their vCPUs run. */
function planExplicitCpus(draft: Draft, demand: VmDemand, sets: readonly (readonly number[])[], errors: LedgerIssue[], warnings: LedgerIssue[]): CpuPlan | undefined {
  if (sets.length !== demand.vcpus) {
    errors.push({ owner: demand.owner, path: "pinning.vcpus", reason: `has ${sets.length} cpusets for ${demand.vcpus} vCPUs; give one per vCPU` });
    return undefined;
  }
  const empty = sets.findIndex((s) => s.length === 0);
  if (empty >= 0) return void errors.push({ owner: demand.owner, path: `pinning.vcpus[${empty}]`, reason: "is an empty cpuset" });
  const pins = sets.map((cpus, i) => ({ path: `pinning.vcpus[${i}]`, role: `vcpu ${i}`, cpus }));
  const issues = checkExplicitPins(draft, demand, pins, false);
  if (issues.length > 0) return void errors.push(...issues);
  const nodeOf = (c: number) => draft.view.index.cpus.get(c)!.node;
  const vcpuNodes = sets.map((s) => nodeOf(s[0]));
  const spanned = [...new Set(sets.flat().map(nodeOf))].sort((a, b) => a - b);
  if (demand.numa === "local" && spanned.length > 1) {
    // Explicit pinning wins over the policy; say so rather than refuse what the user wrote.
    warnings.push({ owner: demand.owner, path: "pinning.vcpus", reason: `pins vCPUs to host nodes ${spanned.join(",")}, but numa is "local"; memory follows the vCPUs across nodes` });
  }
  // A cell's memory goes where its vCPUs run, unless the user bound it (memnode) or all memory (hostNodes) elsewhere.
  const bound = demand.memory.hostNodes;
  const guestCells = (demand.guestCells ?? []).map((cell, i) => {
    const near = majority(cell.vcpus.map((v) => vcpuNodes[v]));
    const allowedNodes = cell.hostNodes?.length ? cell.hostNodes : bound?.length ? bound : undefined;
    return { cell: i, hostNode: !allowedNodes || allowedNodes.includes(near) ? near : allowedNodes[0] };
  });
  return { vcpuCpus: sets, vcpuNodes, guestCells };
}

/** VFs of the host's PFs on a node not held by anyone nor kept by the lock, for ranking nodes. */
function freeVfsOn(draft: Draft, node: number): number {
  const { view } = draft;
  return view.host.pciDevices
    .filter((d) => d.node === node && d.sriov)
    .reduce((s, d) => s + d.sriov!.virtualFunctions.filter((v) => !view.deviceHolder(v) && !draft.lockedDevice(v, "")).length, 0);
}

/**
 * Auto placement of the vCPUs over host nodes, tried in `preference` order.
 * `local` needs one node for all vCPUs and memory; `spread` tries that first and otherwise
 * fills nodes in order, memory following the vCPUs. Guest cells are each put on one node,
 * nodes no earlier cell took first. Memory of guest cells is drafted here; other memory is
 * left to `placeMemory`. Returns issues instead of a plan when the demand does not fit.
 */
export function planAutoCpus(draft: Draft, demand: VmDemand, preference: readonly number[]): CpuPlan | LedgerIssue[] {
  const t = Math.max(1, demand.threadsPerCore);
  const cells = demand.guestCells ?? [];
  const shortages: Shortage[] = [];
  const vcpuCpus: number[][] = new Array(demand.vcpus);
  const vcpuNodes: number[] = new Array(demand.vcpus);
  const fitOn = (node: number, count: number, memoryBytes: number): number[] | undefined => {
    const picked = pickCpus(draft, node, count, t);
    if (!picked.ok) return void shortages.push({ path: "vcpus", reason: picked.reason });
    const memory = memoryFits(draft, node, demand, memoryBytes);
    if (memory !== true) return void shortages.push(memory);
    return picked.cpus;
  };
  const assign = (vcpus: readonly number[], cpus: readonly number[], node: number) =>
    vcpus.forEach((v, k) => {
      vcpuCpus[v] = [cpus[k]];
      vcpuNodes[v] = node;
      draft.take([cpus[k]], `vcpu ${v}`);
    });
  const all = Array.from({ length: demand.vcpus }, (_, i) => i);

  // A cell bound to host nodes (numatune memnode) may only go there.
  const cellMayUse = (cell: { hostNodes?: readonly number[] }, node: number) => !cell.hostNodes?.length || cell.hostNodes.includes(node);
  if (cells.length === 0 || demand.numa === "local") {
    for (const node of preference) {
      if (!cells.every((c) => cellMayUse(c, node))) continue;
      const cpus = fitOn(node, demand.vcpus, demand.memory.bytes);
      if (!cpus) continue;
      assign(all, cpus, node);
      return { vcpuCpus, vcpuNodes, guestCells: cells.map((_, cell) => ({ cell, hostNode: node })) };
    }
    if (demand.numa === "local") return [noNodeIssue(demand, shortages, "no single host node can hold")];
    // Spanning without guest cells: fill nodes in preference order.
    let next = 0;
    for (const node of preference) {
      const n = Math.min(roomFor(draft, node, t), demand.vcpus - next);
      if (n <= 0) continue;
      const picked = pickCpus(draft, node, n, t);
      if (!picked.ok) continue;
      assign(all.slice(next, next + n), picked.cpus, node);
      next += n;
      if (next === demand.vcpus) return { vcpuCpus, vcpuNodes, guestCells: [] };
    }
    return [{ owner: demand.owner, path: "vcpus", reason: `the host has only ${next} free CPUs for ${demand.vcpus} vCPUs, even across all nodes` }];
  }

  const guestCells: { cell: number; hostNode: number }[] = [];
  for (const [cell, spec] of cells.entries()) {
    const used = new Set(guestCells.map((g) => g.hostNode));
    const order = [...preference.filter((n) => !used.has(n)), ...preference.filter((n) => used.has(n))].filter((n) => cellMayUse(spec, n));
    const node = order.find((n) => fitOn(n, spec.vcpus.length, spec.memoryBytes) !== undefined);
    if (node === undefined) return [noNodeIssue(demand, shortages, `no host node can hold guest cell ${cell} of`, `numa.cells[${cell}]`)];
    const picked = pickCpus(draft, node, spec.vcpus.length, t);
    // fitOn just picked these on this node, so the pick succeeds
    if (picked.ok) assign(spec.vcpus, picked.cpus, node);
    reserveMemory(draft, node, demand, spec.memoryBytes);
    guestCells.push({ cell, hostNode: node });
  }
  return { vcpuCpus, vcpuNodes, guestCells };
}

function noNodeIssue(demand: VmDemand, shortages: readonly Shortage[], lead: string, path = "numa"): LedgerIssue {
  const paths = new Set(shortages.map((s) => s.path));
  const other = shortages.find((s) => s.other)?.other;
  const reasons = [...new Set(shortages.map((s) => s.reason))];
  return {
    owner: demand.owner,
    path: paths.size === 1 && path === "numa" ? [...paths][0] : path,
    reason: `${lead} ${demand.vcpus} vCPUs and ${formatSize(demand.memory.bytes)} of memory: ${reasons.join("; ") || "the host has no NUMA node with CPUs"}`,
    ...(other ? { other } : {}),
  };
}

/** One explicitly pinned thread: its field path, ledger role and host CPUs. */
export interface ExplicitPin {
  readonly path: string;
  readonly role: string;
  readonly cpus: readonly number[];
}

/**
 * Checks explicit cpusets: each CPU must exist, must not be held by another VM, and for
 * vCPUs must not be reserved (emulator and iothreads may use the reserved housekeeping
 * CPUs, shared). Non-reserved CPUs that pass are drafted as this VM's own.
 */
export function checkExplicitPins(draft: Draft, demand: VmDemand, pins: readonly ExplicitPin[], reservedAllowed: boolean): LedgerIssue[] {
  const cpus = draft.view.index.cpus;
  const issues: LedgerIssue[] = [];
  for (const pin of pins) {
    const before = issues.length;
    for (const id of pin.cpus) {
      const problem = explicitCpuProblem(draft, cpus, id, reservedAllowed);
      if (problem) issues.push({ owner: demand.owner, path: pin.path, ...problem });
    }
    if (issues.length === before) draft.take(pin.cpus.filter((c) => !draft.view.reserved.has(c)), pin.role);
  }
  return issues;
}

function explicitCpuProblem(draft: Draft, cpus: ReadonlyMap<number, HostCpu>, id: number, reservedAllowed: boolean): { reason: string; other?: string } | undefined {
  if (!cpus.has(id)) {
    const all = formatCpuset(draft.view.host.cpus.map((c) => c.id)) || "none";
    return { reason: `host CPU ${id} does not exist on host ${draft.view.hostName} (its CPUs are ${all})` };
  }
  if (draft.view.reserved.has(id)) {
    if (reservedAllowed) return undefined;
    return {
      reason: `host CPU ${id} is reserved for host housekeeping (reservedCpus ${formatCpuset(draft.view.reserved)}); pick another CPU or take it out of reservedCpus`,
    };
  }
  const holder = draft.view.cpuHolder(id);
  if (holder && holder.owner !== draft.owner) {
    return { reason: `host CPU ${id} is already pinned by ${holder.owner} (${holder.role})`, other: holder.owner };
  }
  return undefined;
}

/** The most frequent value, the lowest on ties (deterministic). */
function majority(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 0;
}

function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
