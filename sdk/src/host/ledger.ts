import { formatCpuset } from "../schema/cpuset";
import { formatPciAddress, samePciAddress, type PciAddress } from "../schema/pci";
import {
  Draft,
  HostIndex,
  checkExplicitPins,
  freeCpuCount,
  pickHelperCpus,
  placeMemory,
  planAutoCpus,
  type CpuHold,
  type CpuPlan,
  type DeviceDemand,
  type LedgerIssue,
  type LedgerView,
  type PlaceResult,
  type Placement,
  type VmDemand,
} from "./allocator";
import { HostModelError } from "./capabilities";
import type { HostModel, HostPciDevice } from "./model";
import { pciAddressKey } from "./nodedev";
import { HostDevices, pfLabel } from "./devices";
import type { LockedRequest } from "./placementLock";

/** A device held by a VM: the device component, the VM, and what was handed out. */
export interface DeviceHold {
  /** Device component, e.g. `SriovNic "fast"`. */
  readonly owner: string;
  /** The VM it is attached to, e.g. `PinnedVm "db"`. */
  readonly vm: string;
  readonly path: string;
  readonly kind: "vf" | "pci";
  readonly address: PciAddress;
  /** The PF of a VF (netdev name, else PCI address). */
  readonly pf?: string;
  readonly iommuGroup?: number;
}

/** What one VM holds on the host, as `claims()` lists it. */
export interface LedgerClaim {
  readonly owner: string;
  readonly placement: Placement;
  /** Host CPUs held exclusively, with the role of each (`vcpu 0`, `emulator`, `iothread 1`). */
  readonly cpus: readonly { readonly cpu: number; readonly role: string }[];
  readonly devices: readonly DeviceHold[];
}

/** Options of a {@link HostLedger}. */
export interface HostLedgerOptions {
  /** Host CPUs kept for the host and for VMs' housekeeping threads; never given to vCPUs. Default none. */
  readonly reservedCpus?: readonly number[];
  /**
   * Placements of an earlier run (the placement lock), by owner (`PinnedVm "db"`). Until its VM
   * is placed, what a locked placement holds is kept from other VMs' auto placement, so a new VM
   * takes what is free and never what a locked VM declared later in the program will want back.
   * Explicit pins and explicit device addresses are not kept from: they win.
   */
  readonly locked?: ReadonlyMap<string, LockedEntry>;
  /** Let a demand that fits nowhere else take the share of locked VMs not placed yet, with a warning. Default false: refuse it. */
  readonly takeLockedShares?: boolean;
}

/** A VM's entry in the placement lock: its placement and what it asked for then. */
export interface LockedEntry {
  readonly placement: Placement;
  readonly request: LockedRequest;
}

/** A device chosen for one entry of `demand.devices`, before it is committed. */
interface DeviceChoice {
  readonly demand: DeviceDemand;
  readonly address: PciAddress;
  readonly node: number | undefined;
  readonly pf?: string;
  readonly iommuGroup?: number;
}

/**
 * The book of what VMs hold on one host: CPUs, hugepages per node and page size, VFs and
 * PCI devices. `place` checks a VM against everything placed before and appends its
 * claims; it never moves a VM already placed, and a demand that fails claims nothing.
 * Deterministic: the same demands in the same order give the same placements.
 */
export class HostLedger implements LedgerView {
  readonly reserved: ReadonlySet<number>;
  readonly index: HostIndex;
  private readonly pci: HostDevices;
  private readonly deviceOwners = new Map<string, DeviceHold>();
  private readonly groupHolders = new Map<number, DeviceHold[]>();
  private readonly cpuHolders = new Map<number, CpuHold>();
  private readonly pools = new Map<string, { owner: string; pages: number }[]>();
  private readonly deviceHolders = new Map<string, DeviceHold>();
  private readonly entries: LedgerClaim[] = [];
  private readonly lockedPlacements = new Map<string, LockedEntry>();
  private readonly lockedCpus = new Map<number, string>();
  private readonly lockedVfs = new Map<string, string>();
  /** Set while a demand that does not fit otherwise may take the share of locked VMs this run has not placed. */
  private ignoringLocks = false;
  private readonly takeLockedShares: boolean;

  /**
   * @param hostName name used in messages, e.g. the LibvirtHost component's name
   * @throws HostModelError when a reserved CPU is not a CPU of the host
   */
  constructor(readonly hostName: string, readonly host: HostModel, options: HostLedgerOptions = {}) {
    const ids = new Set(host.cpus.map((c) => c.id));
    const unknown = (options.reservedCpus ?? []).filter((c) => !ids.has(c));
    if (unknown.length > 0) {
      throw new HostModelError(
        `host ${hostName} has no CPU ${formatCpuset(unknown)} (its CPUs are ${formatCpuset(ids) || "none"})`,
        "reservedCpus",
      );
    }
    this.reserved = new Set(options.reservedCpus ?? []);
    this.index = new HostIndex(host);
    this.pci = new HostDevices(host);
    this.takeLockedShares = options.takeLockedShares ?? false;
    this.addLocked(options.locked ?? new Map());
  }

  /** Adds locked placements (of another LibvirtHost of this hypervisor); a CPU or device locked twice stays with the first. */
  addLocked(locked: ReadonlyMap<string, LockedEntry>): void {
    for (const [owner, entry] of locked) {
      if (this.lockedPlacements.has(owner)) continue;
      this.lockedPlacements.set(owner, entry);
      const p = entry.placement;
      const cpus = [...p.vcpus.flatMap((v) => v.hostCpus), ...p.emulator, ...p.iothreads.flatMap((t) => t.hostCpus)];
      for (const c of cpus) if (!this.reserved.has(c) && !this.lockedCpus.has(c)) this.lockedCpus.set(c, owner);
      for (const d of p.devices) if (!this.lockedVfs.has(formatPciAddress(d.address))) this.lockedVfs.set(formatPciAddress(d.address), owner);
    }
  }

  /** The locked placement of `owner`, from the placement lock, if it has one. */
  lockedPlacement(owner: string): LockedEntry | undefined {
    return this.lockedPlacements.get(owner);
  }

  /** A locked VM keeps its share until it is placed (then its claims hold it) or until a demand that fits nowhere else takes it. */
  private pendingLock(holder: string | undefined, owner: string): string | undefined {
    if (holder === undefined || holder === owner || this.ignoringLocks || this.entries.some((e) => e.owner === holder)) return undefined;
    return holder;
  }

  lockHolder(cpu: number, owner: string): string | undefined {
    return this.pendingLock(this.lockedCpus.get(cpu), owner);
  }

  lockedPages(node: number, sizeBytes: number, owner: string): number {
    let pages = 0;
    for (const [holder, { placement: p }] of this.lockedPlacements) {
      if (!this.pendingLock(holder, owner)) continue;
      for (const m of p.memory) if (m.node === node && m.pageSizeBytes === sizeBytes) pages += m.pages ?? 0;
    }
    return pages;
  }

  cpuHolder(cpu: number): CpuHold | undefined {
    return this.cpuHolders.get(cpu);
  }

  pageClaims(node: number, sizeBytes: number): readonly { owner: string; pages: number }[] {
    return this.pools.get(`${node}:${sizeBytes}`) ?? [];
  }

  /** Host CPUs neither reserved nor held by a VM. */
  freeCpuCount(): number {
    return this.index.cpus.size - this.reserved.size - this.cpuHolders.size;
  }

  /** Who holds a PCI device or VF, if anyone. */
  deviceHolder(address: PciAddress): DeviceHold | undefined {
    return this.deviceHolders.get(formatPciAddress(address));
  }

  /** Everything placed so far, in placement order. */
  claims(): readonly LedgerClaim[] {
    return this.entries;
  }

  /** Plans a demand without claiming anything (a dry run of {@link place}). */
  plan(demand: VmDemand): PlaceResult {
    return this.draft(demand).result;
  }

  /** Whether {@link place} would succeed now. */
  canPlace(demand: VmDemand): boolean {
    return this.plan(demand).placement !== undefined;
  }

  /**
   * Plans a demand and, when it has no errors, appends its claims to the ledger. A demand that
   * fits only in the share the placement lock keeps for VMs not placed yet is refused, saying
   * whose share it is; with `takeLockedShares` it takes that share instead, with a warning
   * (`virtkit plan` does so to learn which locked VMs a program still declares).
   */
  place(demand: VmDemand): PlaceResult {
    let { result, draft, devices } = this.draft(demand);
    const pending = this.pendingOwners(demand.owner);
    if (!result.placement && pending.length && this.takeLockedShares) {
      this.ignoringLocks = true;
      try {
        ({ result, draft, devices } = this.draft(demand));
      } finally {
        this.ignoringLocks = false;
      }
      if (result.placement) {
        const reason = `fits only in the share the placement lock keeps for ${pending.join(", ")}, not declared before it; took it`;
        result = { ...result, warnings: [...result.warnings, { owner: demand.owner, path: "", reason }] };
      }
    } else if (!result.placement && pending.length && this.fitsWithoutLocks(demand)) {
      const reason = `it fits only in the share the placement lock keeps for ${pending.join(", ")}, not declared before it: if ${pending.length > 1 ? "they are" : "it is"} removed, \`virtkit plan\` drops ${pending.length > 1 ? "them" : "it"} from the lock and frees ${pending.length > 1 ? "their" : "its"} share`;
      result = { ...result, errors: [...result.errors, { owner: demand.owner, path: "", reason }] };
    }
    if (!result.placement) return result;
    for (const [cpu, role] of draft.cpus) this.cpuHolders.set(cpu, { owner: demand.owner, role });
    for (const [pool, pages] of draft.pages) {
      if (!this.pools.has(pool)) this.pools.set(pool, []);
      this.pools.get(pool)!.push({ owner: demand.owner, pages });
    }
    for (const d of devices) {
      this.deviceHolders.set(formatPciAddress(d.address), d);
      this.deviceOwners.set(d.owner, d);
      if (d.iommuGroup !== undefined) this.groupHolders.set(d.iommuGroup, [...(this.groupHolders.get(d.iommuGroup) ?? []), d]);
    }
    const cpus = [...draft.cpus].map(([cpu, role]) => ({ cpu, role })).sort((a, b) => a.cpu - b.cpu);
    this.entries.push({ owner: demand.owner, placement: result.placement, cpus, devices });
    return result;
  }

  /** Locked VMs other than `owner` not placed yet in this run, sorted. */
  private pendingOwners(owner: string): string[] {
    return [...this.lockedPlacements.keys()].filter((holder) => this.pendingLock(holder, owner) !== undefined).sort();
  }

  private fitsWithoutLocks(demand: VmDemand): boolean {
    this.ignoringLocks = true;
    try {
      return this.draft(demand).result.placement !== undefined;
    } finally {
      this.ignoringLocks = false;
    }
  }

  private draft(demand: VmDemand): { result: PlaceResult; draft: Draft; devices: DeviceHold[] } {
    const draft = new Draft(this, demand.owner);
    const errors: LedgerIssue[] = [];
    const warnings: LedgerIssue[] = [];
    const fail = () => ({ result: { errors, warnings }, draft, devices: [] });
    if (this.entries.some((e) => e.owner === demand.owner)) {
      errors.push({ owner: demand.owner, path: "", reason: `is already placed on host ${this.hostName}; names must be unique per host`, other: demand.owner });
      return fail();
    }
    if (!Number.isInteger(demand.vcpus) || demand.vcpus < 1) {
      errors.push({ owner: demand.owner, path: "vcpus", reason: `${demand.vcpus} is not a vCPU count` });
      return fail();
    }

    // Devices the user pinned to a PF or address decide the preferred node, so they go first.
    const taken = new Map<string, DeviceChoice>();
    const chosen = new Map<DeviceDemand, DeviceChoice>();
    demand.devices.forEach((d, i) => {
      const dup = demand.devices.findIndex((o) => o.owner === d.owner);
      if (dup !== i) return void errors.push({ owner: d.owner, path: d.path, reason: `is listed twice for ${demand.owner} (also at ${demand.devices[dup].path})` });
      const held = this.deviceOwners.get(d.owner);
      if (held) return void errors.push({ owner: d.owner, path: d.path, reason: `is already attached to ${held.vm}; a device serves one VM`, other: held.vm });
      if (d.kind === "vf" && d.pf === undefined && d.address === undefined) return;
      const choice = this.resolveDevice(demand, d, taken, [], errors);
      if (choice) {
        taken.set(formatPciAddress(choice.address), choice);
        chosen.set(d, choice);
      }
    });
    if (errors.length > 0) return fail();

    const cpuPlan = this.planCpus(draft, demand, [...chosen.values()], errors, warnings);
    if (!cpuPlan) return fail();
    const nodes = [...new Set(cpuPlan.vcpuNodes)].sort((a, b) => a - b);

    if (draft.memory.length === 0) errors.push(...this.planMemory(draft, demand, cpuPlan, warnings));
    const { emulator, iothreads } = this.planHelpers(draft, demand, nodes, errors);

    const vmOrder = [...nodes];
    demand.devices.forEach((d) => {
      if (chosen.has(d) || errors.some((e) => e.owner === d.owner && e.path === d.path)) return;
      const choice = this.resolveDevice(demand, d, taken, vmOrder, errors);
      if (choice) {
        taken.set(formatPciAddress(choice.address), choice);
        chosen.set(d, choice);
      }
    });
    for (const c of chosen.values()) {
      if (c.node === undefined || nodes.includes(c.node)) continue;
      const what = c.demand.kind === "vf" ? `VF ${formatPciAddress(c.address)}${c.pf ? ` of ${c.pf}` : ""}` : `PCI device ${formatPciAddress(c.address)}`;
      const issue = {
        owner: c.demand.owner,
        path: c.demand.path,
        reason: `${what} is on host NUMA node ${c.node}, but ${demand.owner} runs its vCPUs on node ${nodes.join(",")}; DMA and interrupts will cross the socket interconnect`,
      };
      (demand.strictLocality ? errors : warnings).push(issue);
    }
    if (errors.length > 0) return fail();

    const devices = demand.devices.map((d): DeviceHold => {
      const c = chosen.get(d)!;
      return { owner: d.owner, vm: demand.owner, path: d.path, kind: d.kind, address: c.address, ...(c.pf ? { pf: c.pf } : {}), ...(c.iommuGroup !== undefined ? { iommuGroup: c.iommuGroup } : {}) };
    });
    const placement: Placement = {
      vcpus: cpuPlan.vcpuCpus.map((hostCpus, vcpu) => ({ vcpu, hostCpus: [...hostCpus], node: cpuPlan.vcpuNodes[vcpu] })),
      emulator,
      iothreads,
      memory: [...draft.memory].sort((a, b) => a.node - b.node).map((m) => ({ ...m })),
      guestCells: cpuPlan.guestCells.map((g) => ({ ...g })),
      devices: demand.devices.map((d) => {
        const c = chosen.get(d)!;
        return { path: d.path, address: { ...c.address }, node: c.node, ...(c.pf ? { pf: c.pf } : {}) };
      }),
      nodes,
    };
    return { result: { placement: deepFreeze(placement), errors, warnings }, draft, devices };
  }

  /** vCPUs: explicit cpusets checked, or auto placement over nodes in preference order. */
  private planCpus(draft: Draft, demand: VmDemand, pinned: readonly DeviceChoice[], errors: LedgerIssue[], warnings: LedgerIssue[]): CpuPlan | undefined {
    if (demand.pinning !== "auto") {
      const sets = demand.pinning.vcpus;
      if (sets.length !== demand.vcpus) {
        errors.push({ owner: demand.owner, path: "pinning.vcpus", reason: `has ${sets.length} cpusets for ${demand.vcpus} vCPUs; give one per vCPU` });
        return undefined;
      }
      const empty = sets.findIndex((s) => s.length === 0);
      if (empty >= 0) return void errors.push({ owner: demand.owner, path: `pinning.vcpus[${empty}]`, reason: "is an empty cpuset" });
      const pins = sets.map((cpus, i) => ({ path: `pinning.vcpus[${i}]`, role: `vcpu ${i}`, cpus }));
      const issues = checkExplicitPins(draft, demand, pins, false);
      if (issues.length > 0) return void errors.push(...issues);
      const nodeOf = (c: number) => this.index.cpus.get(c)!.node;
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
    const allowed = demand.memory.hostNodes ? new Set(demand.memory.hostNodes) : undefined;
    const candidates = this.host.nodes.filter((n) => n.cpuIds.length > 0 && (!allowed || allowed.has(n.id))).map((n) => n.id);
    const deviceNodes = [...new Set(pinned.map((c) => c.node).filter((n): n is number => n !== undefined && candidates.includes(n)))];
    const wantVfs = demand.devices.filter((d) => d.kind === "vf" && d.pf === undefined && d.address === undefined).length;
    const rank = (n: number) => [this.freeVfsOn(n) >= wantVfs ? 0 : 1, -freeCpuCount(draft, n), n];
    const rest = candidates.filter((n) => !deviceNodes.includes(n)).sort((a, b) => compareTuples(rank(a), rank(b)));
    const plan = planAutoCpus(draft, demand, [...deviceNodes, ...rest]);
    if (Array.isArray(plan)) return void errors.push(...plan);
    return plan;
  }

  /** Memory without guest cells follows the vCPUs; with explicit cells, each cell's memory goes to its node. */
  private planMemory(draft: Draft, demand: VmDemand, plan: CpuPlan, warnings: LedgerIssue[]): LedgerIssue[] {
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

  private planHelpers(draft: Draft, demand: VmDemand, nodes: readonly number[], errors: LedgerIssue[]): Pick<Placement, "emulator" | "iothreads"> {
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
    const iothreads: { id: number; hostCpus: number[] }[] = [];
    if (pinning?.iothreads) {
      if (pinning.iothreads.length !== demand.iothreads) {
        errors.push({ owner: demand.owner, path: "pinning.iothreads", reason: `has ${pinning.iothreads.length} cpusets for ${demand.iothreads} iothreads; give one per iothread` });
      }
      const pins = pinning.iothreads.map((cpus, i) => ({ path: `pinning.iothreads[${i}]`, role: `iothread ${i + 1}`, cpus }));
      errors.push(...checkExplicitPins(draft, demand, pins, true));
      pinning.iothreads.forEach((cpus, i) => iothreads.push({ id: i + 1, hostCpus: [...cpus] }));
    } else {
      for (let id = 1; id <= demand.iothreads; id++) {
        const picked = pickHelperCpus(draft, demand, nodes, `iothread ${id}`, "iothreads");
        if (!Array.isArray(picked)) errors.push(picked);
        // no housekeeping CPUs on the host: the iothread runs with the emulator, never on an
        // empty cpuset (libvirt refuses "" at define time)
        else if (picked.length) iothreads.push({ id, hostCpus: picked });
        else if (emulator.length) iothreads.push({ id, hostCpus: [...emulator] });
      }
    }
    return { emulator, iothreads };
  }

  /** VFs of the host's PFs on a node not held by anyone, for ranking nodes. */
  private freeVfsOn(node: number): number {
    return this.host.pciDevices
      .filter((d) => d.node === node && d.sriov)
      .reduce((s, d) => s + d.sriov!.virtualFunctions.filter((v) => !this.deviceHolders.has(formatPciAddress(v)) && !this.pendingLock(this.lockedVfs.get(formatPciAddress(v)), "")).length, 0);
  }

  /**
   * Chooses the device for one demand entry and checks it against holders in the ledger
   * and earlier entries of the same demand. A VF request without PF or address takes the
   * first free VF of the PFs on `preferNodes` (in order), then of any PF.
   */
  private resolveDevice(demand: VmDemand, d: DeviceDemand, taken: ReadonlyMap<string, DeviceChoice>, preferNodes: readonly number[], errors: LedgerIssue[]): DeviceChoice | undefined {
    const issue = (reason: string, other?: string) => void errors.push({ owner: d.owner, path: d.path, reason, ...(other ? { other } : {}) });
    const known = this.pci.known;
    if (d.kind === "pci" || d.address) {
      const address = d.address!;
      const dev = this.pci.device(address);
      const pf = d.kind === "vf" ? this.pci.pfOfVf(address) : undefined;
      if (d.kind === "vf" && known && !pf) return issue(`no SR-IOV VF at ${formatPciAddress(address)} on host ${this.hostName}`);
      if (d.kind === "pci" && known && !dev) return issue(`no PCI device at ${formatPciAddress(address)} on host ${this.hostName}`);
      if (d.kind === "vf" && d.pf !== undefined && pf) {
        const wanted = this.pci.findPf(d.pf);
        if (wanted && !samePciAddress(wanted.address, pf.address)) return issue(`VF ${formatPciAddress(address)} belongs to ${pfLabel(pf)}, not to ${d.pf}`);
      }
      const conflict = this.conflict(address, dev?.iommuGroup ?? undefined, demand.owner, taken, d.kind === "vf" ? "VF" : "PCI device");
      if (conflict) return issue(conflict.reason, conflict.other);
      return { demand: d, address, node: dev?.node ?? pf?.node, ...(pf ? { pf: pfLabel(pf) } : {}), ...(dev?.iommuGroup !== undefined ? { iommuGroup: dev.iommuGroup } : {}) };
    }
    let pfs: HostPciDevice[];
    if (d.pf !== undefined) {
      const pf = this.pci.findPf(d.pf);
      const list = this.pci.pfs.map((x) => `${pfLabel(x)} at ${formatPciAddress(x.address)}`);
      if (!pf) return issue(`no SR-IOV PF "${d.pf}" on host ${this.hostName} (${list.length ? `its PFs: ${list.join(", ")}` : "no PF known; pass the nodedev documents"})`);
      if (!pf.sriov) return issue(`${d.pf} (${formatPciAddress(pf.address)}) is not an SR-IOV physical function`);
      pfs = [pf];
    } else {
      const rankNode = (n: number | undefined) => { const i = preferNodes.indexOf(n ?? -1); return i < 0 ? preferNodes.length : i; };
      pfs = this.pci.pfs.sort((a, b) => rankNode(a.node) - rankNode(b.node) || pciAddressKey(a.address) - pciAddressKey(b.address));
      if (pfs.length === 0) return issue(`host ${this.hostName} has no SR-IOV PF with VFs; pass the nodedev documents or name a VF address`);
    }
    for (const pf of pfs) {
      for (const vf of pf.sriov!.virtualFunctions) {
        const dev = this.pci.device(vf);
        if (this.conflict(vf, dev?.iommuGroup, demand.owner, taken, "VF")) continue;
        if (this.pendingLock(this.lockedVfs.get(formatPciAddress(vf)), demand.owner)) continue;
        return { demand: d, address: vf, node: dev?.node ?? pf.node, pf: pfLabel(pf), ...(dev?.iommuGroup !== undefined ? { iommuGroup: dev.iommuGroup } : {}) };
      }
    }
    if (d.pf === undefined) return issue(`no free VF is left on any PF of host ${this.hostName}`);
    const pf = pfs[0];
    const holders = pf.sriov!.virtualFunctions.map((v) => this.deviceHolder(v) ?? undefined).filter((h): h is DeviceHold => h !== undefined);
    const counts = new Map<string, number>();
    for (const h of holders) counts.set(`${h.owner} (${h.vm})`, (counts.get(`${h.owner} (${h.vm})`) ?? 0) + 1);
    const total = pf.sriov!.virtualFunctions.length;
    if (total === 0) return issue(`PF ${pfLabel(pf)} (${formatPciAddress(pf.address)}) has no VFs enabled (up to ${pf.sriov!.maxCount}); set sriov_numvfs on the host`);
    const list = [...counts].map(([who, n]) => `${who} ×${n}`).join(", ");
    return issue(`PF ${pfLabel(pf)} (${formatPciAddress(pf.address)}) has no free VF: all ${total} are taken${list ? ` by ${list}` : ""}${taken.size ? " or by this VM" : ""}`, holders[0]?.owner);
  }

  /** Why an address cannot be handed out, if it cannot: held, held within this demand, its PF/VFs held, or its IOMMU group. */
  private conflict(address: PciAddress, group: number | undefined, vm: string, taken: ReadonlyMap<string, DeviceChoice>, what: string): { reason: string; other?: string } | undefined {
    const held = this.deviceHolder(address);
    if (held) return { reason: `${what} ${formatPciAddress(address)} is already assigned to ${held.vm} by ${held.owner} (${held.path})`, other: held.owner };
    const mine = taken.get(formatPciAddress(address));
    if (mine) return { reason: `${what} ${formatPciAddress(address)} is requested twice for ${vm}: also by ${mine.demand.owner} (${mine.demand.path})`, other: mine.demand.owner };
    const pf = this.pci.pfOfVf(address);
    const pfHeld = pf && this.deviceHolder(pf.address);
    if (pfHeld) return { reason: `${what} ${formatPciAddress(address)} belongs to PF ${formatPciAddress(pf.address)}, which ${pfHeld.owner} passes through whole to ${pfHeld.vm}`, other: pfHeld.owner };
    const vfHeld = this.pci.device(address)?.sriov?.virtualFunctions.map((v) => this.deviceHolder(v)).find((h) => h);
    if (vfHeld) return { reason: `${what} ${formatPciAddress(address)} is an SR-IOV PF whose VF ${formatPciAddress(vfHeld.address)} is assigned to ${vfHeld.vm} by ${vfHeld.owner}`, other: vfHeld.owner };
    if (group !== undefined) {
      const same = this.groupHolders.get(group)?.find((h) => h.vm !== vm);
      if (same) return { reason: `${what} ${formatPciAddress(address)} shares IOMMU group ${group} with ${formatPciAddress(same.address)}, assigned to ${same.vm} by ${same.owner}; VFIO gives a whole group to one VM`, other: same.owner };
    }
    return undefined;
  }
}

/** Placements are shared between callers and the ledger; freezing them keeps "never moves" true. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
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
