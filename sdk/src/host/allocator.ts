import { formatCpuset } from "../schema/cpuset";
import type { PciAddress } from "../schema/pci";
import { formatSize } from "../schema/units";
import type { HostCpu, HostModel } from "./model";

/** A device a VM asks for: an SR-IOV VF (any free one of a PF, or a given one) or a whole PCI device. */
export type DeviceDemand =
  | {
      readonly kind: "vf";
      /** Component the device belongs to, e.g. `SriovNic "fast"`. */
      readonly owner: string;
      /** Field path reported in issues, e.g. `nics[0]`. */
      readonly path: string;
      /** The PF to take a VF from: netdev name (`enp59s0f0`), PCI address or nodedev name. */
      readonly pf?: string;
      /** A specific VF. */
      readonly address?: PciAddress;
    }
  | { readonly kind: "pci"; readonly owner: string; readonly path: string; readonly address: PciAddress };

/** What one VM needs from a host. Built by the components from their validated specs. */
export interface VmDemand {
  /** Display name of the component, e.g. `PinnedVm "db"`; unique per host. */
  readonly owner: string;
  readonly vcpus: number;
  /** Guest SMT (`cpu.topology.threads`); above 1, auto pinning gives whole host cores, guest thread siblings on host thread siblings. */
  readonly threadsPerCore: number;
  /** `"auto"`, or parsed cpusets: one per vCPU, and optionally for the emulator and each iothread. */
  readonly pinning: "auto" | { readonly vcpus: readonly (readonly number[])[]; readonly emulator?: readonly number[]; readonly iothreads?: readonly (readonly number[])[] };
  /** Number of iothreads to place. */
  readonly iothreads: number;
  /** `housekeeping`: emulator and iothreads on the reserved CPUs of the VM's node (or all reserved CPUs); `dedicated`: CPUs of their own. */
  readonly emulator: "housekeeping" | "dedicated";
  /** `local`: everything on one host node, or an error; `spread`: may span nodes when one node cannot hold the VM. */
  readonly numa: "local" | "spread";
  /** Guest NUMA cells (vCPU ids and memory in bytes); each is placed on one host node. */
  readonly guestCells?: readonly { readonly vcpus: readonly number[]; readonly memoryBytes: number; readonly hostNodes?: readonly number[] }[];
  /** Guest memory; `pageSizeBytes` undefined means ordinary memory (counted per node, no pool check). */
  readonly memory: { readonly bytes: number; readonly pageSizeBytes?: number; readonly hostNodes?: readonly number[] };
  readonly devices: readonly DeviceDemand[];
  /** A device on another NUMA node than the VM's vCPUs is an error instead of a warning. */
  readonly strictLocality?: boolean;
}

/** One problem with a demand: whose, which field, why, and the other component involved. */
export interface LedgerIssue {
  readonly owner: string;
  readonly path: string;
  readonly reason: string;
  /** The other component in a conflict, e.g. the VM already holding the CPU. */
  readonly other?: string;
}

/** Where a VM's parts go on its host. Host CPU ids and NUMA node ids as in `virsh capabilities`. */
export interface Placement {
  /** Host CPUs of each vCPU (index = vCPU) and the node they are on. */
  readonly vcpus: readonly { readonly vcpu: number; readonly hostCpus: readonly number[]; readonly node: number }[];
  /** Host CPUs of the emulator threads; empty means not pinned (no reserved CPUs on the host). */
  readonly emulator: readonly number[];
  /** Host CPUs of each iothread; ids start at 1 as in libvirt. */
  readonly iothreads: readonly { readonly id: number; readonly hostCpus: readonly number[] }[];
  /** Guest memory per host node; `pages` is set for hugepage memory. */
  readonly memory: readonly { readonly node: number; readonly bytes: number; readonly pageSizeBytes?: number; readonly pages?: number }[];
  /** Host node of each guest NUMA cell. */
  readonly guestCells: readonly { readonly cell: number; readonly hostNode: number }[];
  /** Devices in demand order, with the VF chosen for a PF request. */
  readonly devices: readonly { readonly path: string; readonly address: PciAddress; readonly node: number | undefined; readonly pf?: string }[];
  /** Host nodes of the vCPUs, sorted. */
  readonly nodes: readonly number[];
}

/** Outcome of placing a demand: a placement when there are no errors. */
export interface PlaceResult {
  readonly placement?: Placement;
  readonly errors: readonly LedgerIssue[];
  readonly warnings: readonly LedgerIssue[];
}

/** Who holds a host CPU exclusively, and as what (`vcpu 3`, `emulator`, `iothread 1`). */
export interface CpuHold {
  readonly owner: string;
  readonly role: string;
}

/** The ledger as the allocator reads it: committed claims only. */
export interface LedgerView {
  readonly hostName: string;
  readonly host: HostModel;
  readonly index: HostIndex;
  readonly reserved: ReadonlySet<number>;
  cpuHolder(cpu: number): CpuHold | undefined;
  /** Claims on the page pool of `sizeBytes` on a node, in claim order. */
  pageClaims(node: number, sizeBytes: number): readonly { readonly owner: string; readonly pages: number }[];
  /** The VM a placement lock keeps a host CPU for, when it is another VM not placed yet in this run. */
  lockHolder(cpu: number, owner: string): string | undefined;
  /** Pages of a pool a placement lock keeps for VMs other than `owner` not placed yet in this run. */
  lockedPages(node: number, sizeBytes: number, owner: string): number;
}

/**
 * The claims of one demand while it is being planned. Nothing reaches the ledger until
 * the whole demand fits, so a failed placement leaves no half state behind.
 */
export class Draft {
  readonly cpus = new Map<number, string>();
  readonly pages = new Map<string, number>();
  readonly memory: { node: number; bytes: number; pageSizeBytes?: number; pages?: number }[] = [];
  constructor(readonly view: LedgerView, readonly owner: string) {}

  /**
   * Free for this VM: on the host, not reserved, not held by another VM nor kept for one by the
   * placement lock (this draft's own CPUs count as taken).
   */
  isFree(cpu: number): boolean {
    return !this.view.reserved.has(cpu) && !this.view.cpuHolder(cpu) && !this.cpus.has(cpu) && !this.view.lockHolder(cpu, this.owner);
  }

  take(cpus: readonly number[], role: string): void {
    for (const c of cpus) if (!this.cpus.has(c)) this.cpus.set(c, role);
  }

  freePages(node: number, sizeBytes: number): { free: number; total: number } {
    const pool = this.view.host.nodes.find((n) => n.id === node)?.pages.find((p) => p.sizeBytes === sizeBytes);
    const total = pool?.count ?? 0;
    const used = this.view.pageClaims(node, sizeBytes).reduce((s, c) => s + c.pages, 0) + this.view.lockedPages(node, sizeBytes, this.owner);
    return { free: total - used - (this.pages.get(`${node}:${sizeBytes}`) ?? 0), total };
  }
}

/**
 * Lookups over an immutable host model, built once per ledger: placing a VM then costs
 * map reads instead of scans of the host's CPUs and devices.
 */
export class HostIndex {
  readonly cpus: ReadonlyMap<number, HostCpu>;
  private readonly coresByNode = new Map<number, readonly (readonly number[])[]>();
  private readonly smtByNode = new Map<number, number>();

  constructor(host: HostModel) {
    this.cpus = new Map(host.cpus.map((c) => [c.id, c]));
    const seen = new Set<string>();
    for (const c of host.cpus) {
      // Cores in order of their first CPU id, so picks are deterministic.
      const key = c.siblings.join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      if (!this.coresByNode.has(c.node)) this.coresByNode.set(c.node, []);
      (this.coresByNode.get(c.node) as (readonly number[])[]).push(c.siblings);
      this.smtByNode.set(c.node, Math.max(this.smtByNode.get(c.node) ?? 1, c.siblings.length));
    }
  }

  /** Host cores of a node, each as its thread-sibling list. */
  cores(node: number): readonly (readonly number[])[] {
    return this.coresByNode.get(node) ?? [];
  }

  /** Most threads per core on a node (1 without SMT). */
  threadsPerCore(node: number): number {
    return this.smtByNode.get(node) ?? 1;
  }
}

/**
 * Picks host CPUs on one node for `count` guest vCPUs, or says why it cannot.
 * With guest SMT (`threads` > 1) every `threads` consecutive vCPUs get the thread siblings
 * of one whole free host core, as libvirt numbers guest threads innermost. Otherwise
 * CPUs are taken core by core, both threads of free cores first: a VM then shares
 * physical cores only with itself, and whole cores stay free for SMT guests.
 */
export function pickCpus(draft: Draft, node: number, count: number, threads: number): number[] | string {
  const cores = draft.view.index.cores(node);
  if (threads > 1) {
    const usable = cores.filter((s) => s.length >= threads && s.every((c) => draft.isFree(c)));
    const needed = Math.ceil(count / threads);
    if (usable.length < needed) {
      const smt = draft.view.index.threadsPerCore(node);
      if (smt < threads) return `host node ${node} has ${smt} thread(s) per core, the guest wants ${threads}`;
      return `host node ${node} has ${usable.length} whole free core(s), ${needed} needed for ${count} vCPUs with ${threads} threads per core`;
    }
    return Array.from({ length: count }, (_, k) => usable[Math.floor(k / threads)][k % threads]);
  }
  const whole = cores.filter((s) => s.every((c) => draft.isFree(c))).flat();
  const partial = cores.filter((s) => !s.every((c) => draft.isFree(c))).flat().filter((c) => draft.isFree(c));
  const order = [...whole, ...partial];
  if (order.length < count) return `host node ${node} has ${order.length} free CPU(s), ${count} needed`;
  return order.slice(0, count);
}

/** A reason a node cannot take (part of) a VM, and the component that holds what is missing. */
interface Shortage {
  readonly path: string;
  readonly reason: string;
  readonly other?: string;
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
 * Auto placement of the vCPUs over host nodes, tried in `preference` order.
 * `local` needs one node for all vCPUs and memory; `spread` tries that first and otherwise
 * fills nodes in order, memory following the vCPUs. Guest cells are each put on one node,
 * nodes no earlier cell took first. Memory of guest cells is drafted here; other memory is
 * left to {@link placeMemory}. Returns issues instead of a plan when the demand does not fit.
 */
export function planAutoCpus(draft: Draft, demand: VmDemand, preference: readonly number[]): CpuPlan | LedgerIssue[] {
  const t = Math.max(1, demand.threadsPerCore);
  const cells = demand.guestCells ?? [];
  const shortages: Shortage[] = [];
  const vcpuCpus: number[][] = new Array(demand.vcpus);
  const vcpuNodes: number[] = new Array(demand.vcpus);
  const fitOn = (node: number, count: number, memoryBytes: number): number[] | undefined => {
    const picked = pickCpus(draft, node, count, t);
    if (typeof picked === "string") return void shortages.push({ path: "vcpus", reason: picked });
    const memory = memoryFits(draft, node, demand, memoryBytes);
    if (memory !== true) return void shortages.push(memory);
    return picked;
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
      const chunk = all.slice(next, next + n);
      const cpus = pickCpus(draft, node, n, t);
      if (typeof cpus === "string") continue;
      assign(chunk, cpus, node);
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
    assign(spec.vcpus, pickCpus(draft, node, spec.vcpus.length, t) as number[], node);
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

/** Whether `bytes` of the VM's memory fit in the node's pool of its page size (ordinary memory always fits). */
function memoryFits(draft: Draft, node: number, demand: VmDemand, bytes: number): true | Shortage {
  const size = demand.memory.pageSizeBytes;
  if (size === undefined) return true;
  const needed = Math.ceil(bytes / size);
  const { free, total } = draft.freePages(node, size);
  if (free >= needed) return true;
  if (total === 0) return { path: "memory", reason: `host node ${node} has no ${formatSize(size)} pages (the pool is empty or absent)` };
  const claims = draft.view.pageClaims(node, size);
  const held = claims.length ? `; claimed by ${claims.map((c) => `${c.owner} (${c.pages})`).join(", ")}` : "";
  return {
    path: "memory",
    reason: `host node ${node} has ${Math.max(free, 0)} of ${total} ${formatSize(size)} pages free, ${needed} needed${held}`,
    ...(claims.length ? { other: claims[0].owner } : {}),
  };
}

function reserveMemory(draft: Draft, node: number, demand: VmDemand, bytes: number): void {
  const size = demand.memory.pageSizeBytes;
  const same = draft.memory.find((m) => m.node === node);
  const pages = size === undefined ? undefined : Math.ceil(bytes / size);
  if (size !== undefined && pages !== undefined) draft.pages.set(`${node}:${size}`, (draft.pages.get(`${node}:${size}`) ?? 0) + pages);
  if (same) {
    // Two guest cells on one host node: one entry per node, as numatune wants it.
    same.bytes += bytes;
    if (pages !== undefined) same.pages = (same.pages ?? 0) + pages;
  } else draft.memory.push({ node, bytes, ...(size !== undefined ? { pageSizeBytes: size, pages } : {}) });
}

/**
 * Puts `bytes` of guest memory on nodes in proportion to `weights` (vCPUs per node), in whole pages, the remainder on the first node.
 * Returns issues for pools that cannot hold their share, naming their other claimants.
 */
export function placeMemory(draft: Draft, demand: VmDemand, bytes: number, weights: readonly { node: number; weight: number }[]): LedgerIssue[] {
  const size = demand.memory.pageSizeBytes ?? 1;
  const units = Math.ceil(bytes / size);
  const total = weights.reduce((s, w) => s + w.weight, 0);
  const shares = weights.map((w) => Math.floor((units * w.weight) / total));
  shares[0] += units - shares.reduce((s, n) => s + n, 0);
  const issues: LedgerIssue[] = [];
  weights.forEach((w, i) => {
    if (shares[i] === 0) return;
    // Ordinary memory is split to the byte; hugepage memory in whole pages.
    const share = i === 0 ? bytes - (units - shares[0]) * size : shares[i] * size;
    const fits = memoryFits(draft, w.node, demand, share);
    if (fits === true) reserveMemory(draft, w.node, demand, share);
    else issues.push({ owner: demand.owner, ...fits });
  });
  return issues;
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
    if (typeof picked === "string") continue;
    draft.take(picked, role);
    return picked;
  }
  return { owner: demand.owner, path, reason: `no free host CPU is left for a dedicated ${role}` };
}
