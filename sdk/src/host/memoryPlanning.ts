import { formatSize } from "../schema/units";
import { approxSize } from "./sizeFit";
import type { CpuPlan } from "./cpuPlanning";
import type { LedgerIssue, VmDemand } from "./demand";
import type { Draft } from "./draft";

/** A reason a node cannot take (part of) a VM, and the component that holds what is missing. */
export interface Shortage {
  readonly path: string;
  readonly reason: string;
  readonly other?: string;
}

/**
 * Whether `bytes` of the VM's memory fit in the node's pool of its page size. Ordinary memory
 * may be overcommitted across VMs, so it fits any node that has that much memory at all.
 */
export function memoryFits(draft: Draft, node: number, demand: VmDemand, bytes: number): true | Shortage {
  const size = demand.memory.pageSizeBytes;
  if (size === undefined) {
    const capacity = draft.view.host.nodes.find((n) => n.id === node)?.memoryBytes ?? 0;
    // a host that does not say how much memory a node has (0) cannot refuse it
    if (capacity === 0 || bytes <= capacity) return true;
    return { path: "memory", reason: `host node ${node} has ${approxSize(capacity)} of memory in all, ${approxSize(bytes)} needed` };
  }
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

/** Drafts `bytes` of the VM's memory on `node` (in whole pages for hugepage memory). */
export function reserveMemory(draft: Draft, node: number, demand: VmDemand, bytes: number): void {
  const size = demand.memory.pageSizeBytes;
  const same = draft.memory.find((m) => m.node === node);
  const pages = size === undefined ? undefined : Math.ceil(bytes / size);
  if (size !== undefined && pages !== undefined) {
    const pool = { node, sizeBytes: size };
    draft.pages.set(pool, (draft.pages.get(pool) ?? 0) + pages);
  }
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

/** Memory without guest cells follows the vCPUs; with explicit cells, each cell's memory goes to its node. */
export function planMemory(draft: Draft, demand: VmDemand, plan: CpuPlan, warnings: LedgerIssue[]): LedgerIssue[] {
  const cells = demand.guestCells ?? [];
  if (cells.length > 0 && plan.guestCells.length === cells.length && demand.pinning !== "auto") {
    return plan.guestCells.flatMap((g) => placeMemory(draft, demand, cells[g.cell].memoryBytes, [{ node: g.hostNode, weight: 1 }]));
  }
  const counts = new Map<number, number>();
  for (const n of plan.vcpuNodes) counts.set(n, (counts.get(n) ?? 0) + 1);
  let weights = [...counts].map(([node, weight]) => ({ node, weight }));
  const allowed = demand.memory.hostNodes;
  if (allowed && allowed.length > 0) {
    const inside = weights.filter((w) => allowed.includes(w.node));
    if (inside.length === 0) {
      warnings.push({ owner: demand.owner, path: "memory.hostNodes", reason: `memory is bound to host node ${allowed.join(",")} but the vCPUs run on node ${[...counts.keys()].join(",")}; every access is remote` });
      inside.push({ node: allowed[0], weight: 1 });
    }
    weights = inside;
  }
  return placeMemory(draft, demand, demand.memory.bytes, weights);
}
