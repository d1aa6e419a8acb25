import { formatPciAddress } from "../schema/pci";
import type { ClaimHolds } from "./claim";
import type { VmDemand } from "./demand";
import type { HostDevices } from "./devices";
import { PoolMap, type HostIndex } from "./draft";
import type { HostModel, HostPciDevice } from "./model";

/**
 * What is still free on a host, counted as the ledger commits: free CPUs and whole free cores
 * per node, free pages per pool, free VFs per PF. It rules a demand out without planning it,
 * so that first fit over many hosts skips full ones in a few map reads instead of a dry run.
 *
 * It only ever rules out. What the placement lock keeps for VMs not placed yet counts as free
 * here (it narrows what fits, so ignoring it errs towards "may fit"), and so do explicit pins,
 * helper threads and devices by address, which it does not judge. Nothing in a ledger is ever
 * released, so the counts only go down, on commit.
 */
export class FreeRoom {
  /** Free CPUs of each node, as `freeCpuCount` in cpuPlanning counts them: core by core. */
  private readonly freeCpus = new Map<number, number>();
  /** Whole free cores of each node, by core size (the number of thread siblings). */
  private readonly wholeCores = new Map<number, Map<number, number>>();
  /** For each host CPU, the cores (with their node) whose sibling list holds it. */
  private readonly coresOf = new Map<number, { node: number; core: readonly number[] }[]>();
  /** CPUs of each core that are reserved or held. */
  private readonly busy = new Map<readonly number[], number>();
  /** Reserved and held CPUs: each counted once. */
  private readonly taken: Set<number>;
  private readonly pages = new PoolMap<number>();
  private readonly freeVfs = new Map<HostPciDevice, number>();
  private freeVfTotal = 0;
  private readonly pfOfVf = new Map<string, HostPciDevice>();
  private readonly pfByName = new Map<string, HostPciDevice | undefined>();
  /** Nodes with CPUs, and the memory of each (0: not said). */
  private readonly cpuNodes: readonly { readonly id: number; readonly memoryBytes: number }[];

  constructor(host: HostModel, index: HostIndex, reserved: ReadonlySet<number>, private readonly devices: HostDevices) {
    this.taken = new Set(reserved);
    this.cpuNodes = host.nodes.filter((n) => n.cpuIds.length > 0).map((n) => ({ id: n.id, memoryBytes: n.memoryBytes }));
    for (const n of host.nodes) {
      const whole = new Map<number, number>();
      let free = 0;
      for (const core of index.cores(n.id)) {
        const taken = core.filter((c) => reserved.has(c)).length;
        this.busy.set(core, taken);
        free += core.length - taken;
        if (taken === 0) whole.set(core.length, (whole.get(core.length) ?? 0) + 1);
        for (const c of core) this.coresOf.set(c, [...(this.coresOf.get(c) ?? []), { node: n.id, core }]);
      }
      this.freeCpus.set(n.id, free);
      this.wholeCores.set(n.id, whole);
      // the first pool of a size, as Draft.freePages finds it
      for (const p of n.pages) if (this.pages.get({ node: n.id, sizeBytes: p.sizeBytes }) === undefined) this.pages.set({ node: n.id, sizeBytes: p.sizeBytes }, p.count);
    }
    for (const pf of devices.pfs) {
      this.freeVfs.set(pf, pf.sriov!.virtualFunctions.length);
      this.freeVfTotal += pf.sriov!.virtualFunctions.length;
      for (const vf of pf.sriov!.virtualFunctions) this.pfOfVf.set(formatPciAddress(vf), pf);
    }
  }

  /** Counts what a committed claim holds as taken. */
  commit(holds: ClaimHolds): void {
    for (const cpu of holds.cpus.keys()) {
      if (this.taken.has(cpu)) continue;
      this.taken.add(cpu);
      for (const { node, core } of this.coresOf.get(cpu) ?? []) {
        const before = this.busy.get(core)!;
        this.busy.set(core, before + 1);
        this.freeCpus.set(node, this.freeCpus.get(node)! - 1);
        const whole = this.wholeCores.get(node)!;
        if (before === 0) whole.set(core.length, whole.get(core.length)! - 1);
      }
    }
    for (const [pool, taken] of holds.pages.entries()) this.pages.set(pool, (this.pages.get(pool) ?? 0) - taken);
    for (const d of holds.devices) {
      const pf = this.pfOfVf.get(formatPciAddress(d.address));
      if (!pf) continue;
      this.freeVfs.set(pf, this.freeVfs.get(pf)! - 1);
      this.freeVfTotal--;
    }
  }

  /**
   * Why the demand cannot fit now, judged from the counts alone; undefined when it may fit
   * (only a plan can tell). Judges auto-pinned vCPUs with their memory, and VFs by PF or any.
   */
  ruledOut(demand: VmDemand): string | undefined {
    return this.cpuShortage(demand) ?? (demand.devices.length ? this.vfShortage(demand) : undefined);
  }

  /** CPUs a node can give vCPUs with `t` threads per core, as pickCpus takes them. */
  private room(node: number, t: number): number {
    if (t === 1) return this.freeCpus.get(node) ?? 0;
    let cores = 0;
    for (const [size, count] of this.wholeCores.get(node) ?? []) if (size >= t) cores += count;
    return cores * t;
  }

  /** Whether the node can hold the VM's memory: its hugepages pool, or ordinary memory the node has at all. */
  private memoryFits(node: { id: number; memoryBytes: number }, demand: VmDemand): boolean {
    const size = demand.memory.pageSizeBytes;
    if (size === undefined) return node.memoryBytes === 0 || demand.memory.bytes <= node.memoryBytes;
    return (this.pages.get({ node: node.id, sizeBytes: size }) ?? 0) >= Math.ceil(demand.memory.bytes / size);
  }

  private cpuShortage(demand: VmDemand): string | undefined {
    if (demand.pinning !== "auto" || !Number.isInteger(demand.vcpus) || demand.vcpus < 1) return undefined;
    const t = Math.max(1, demand.threadsPerCore);
    const allowed = demand.memory.hostNodes;
    const nodes = allowed ? this.cpuNodes.filter((n) => allowed.includes(n.id)) : this.cpuNodes;
    const cells = demand.guestCells ?? [];
    if (demand.numa === "local" || cells.length === 0) {
      // planAutoCpus tries each node whole first: one with the CPUs and the memory will do
      for (const n of nodes) if (this.room(n.id, t) >= demand.vcpus && this.memoryFits(n, demand)) return undefined;
      if (demand.numa === "local") return `no host node has ${demand.vcpus} free CPUs (${t} per core) and the VM's memory`;
    }
    const needed = cells.length ? cells.reduce((s, c) => s + c.vcpus.length, 0) : demand.vcpus;
    let room = 0;
    for (const n of nodes) room += this.room(n.id, t);
    return room >= needed ? undefined : `the host has ${room} free CPUs (${t} per core) for ${needed} vCPUs`;
  }

  private vfShortage(demand: VmDemand): string | undefined {
    const byPf = new Map<HostPciDevice, number>();
    let wanted = 0;
    for (const d of demand.devices) {
      if (d.kind !== "vf" || d.address !== undefined) continue;
      wanted++;
      if (d.pf === undefined) continue;
      if (!this.pfByName.has(d.pf)) this.pfByName.set(d.pf, this.devices.findPf(d.pf));
      const pf = this.pfByName.get(d.pf);
      // an unknown PF is the plan's to explain
      if (!pf || !this.freeVfs.has(pf)) return undefined;
      byPf.set(pf, (byPf.get(pf) ?? 0) + 1);
    }
    for (const [pf, n] of byPf) if (this.freeVfs.get(pf)! < n) return `PF ${pf.netdevs[0] ?? pf.name} has ${this.freeVfs.get(pf)} free VFs, ${n} wanted`;
    return wanted > this.freeVfTotal ? `the host has ${this.freeVfTotal} free VFs, ${wanted} wanted` : undefined;
  }
}
