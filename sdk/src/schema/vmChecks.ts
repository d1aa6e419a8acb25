import type { z } from "zod";
import { MAX_VCPUS } from "./compute";
import { formatCpuset } from "./cpuset";
import { PAGE_SIZES } from "./memory";
import { DiskBus } from "./storage";
import { NicModel } from "./network";
import { formatPciAddress } from "./pci";
import { formatSize } from "./units";
import { effectiveIothreads } from "./iothreads";
import type { VmSpecObject } from "./vm";

// The VM spec's cross-field checks (schema/vm.ts runs them): what no single field's schema
// can see, such as a topology that does not multiply to the vCPU count, a real-time vCPU
// sharing its host CPU, hugepages that do not divide the memory, or two NICs with one MAC.

type Ctx = z.RefinementCtx;
const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0;
// A field whose parser failed holds zod's NEVER marker (an object), so check the shape itself.
const isPci = (a: unknown): boolean => typeof (a as { bus?: unknown } | undefined)?.bus === "number";
const isIds = (ids: unknown): ids is number[] => Array.isArray(ids) && ids.every((v) => typeof v === "number");
const issue = (ctx: Ctx, path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

type Loose = Record<string, unknown>;
const asObject = (v: unknown): Loose | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Loose) : undefined);
/** A list whose elements the checks may read: an element that is no object reads as `{}` (its index kept). */
const withObjects = (v: unknown): unknown => (Array.isArray(v) ? v.map((e) => asObject(e) ?? {}) : v);

/**
 * The VM as the cross-field checks read it. They run even when fields failed to parse (so
 * one error lists every problem), and a failed field holds whatever the user wrote: list
 * elements are made safe to read here; a value that is not a list stays as it is, and the
 * checks that walk it test that first.
 */
function walkable(raw: z.infer<typeof VmSpecObject>): z.infer<typeof VmSpecObject> {
  const vm = raw as unknown as Loose;
  const memory = asObject(vm.memory);
  const numa = asObject(vm.numa);
  const list = (v: unknown) => (Array.isArray(v) ? withObjects(v) : []);
  return {
    ...vm,
    cpu: asObject(vm.cpu) ?? {},
    memory: memory && { ...memory, hugepages: asObject(memory.hugepages) },
    numa: numa && { ...numa, cells: withObjects(numa.cells), memnodes: withObjects(numa.memnodes) },
    realtime: asObject(vm.realtime),
    disks: list(vm.disks),
    nics: list(vm.nics),
    hostdevs: list(vm.hostdevs),
    expanderBuses: withObjects(vm.expanderBuses),
  } as unknown as z.infer<typeof VmSpecObject>;
}

/** Checks that span several fields: what no single field's schema can see. */
export function checkCrossFields(raw: z.infer<typeof VmSpecObject>, ctx: Ctx): void {
  const vm = walkable(raw);
  // a vCPU count the schema refused (past libvirt's limit) says nothing the rest could check
  if (!isCount(vm.vcpus) || vm.vcpus > MAX_VCPUS) return;
  const t = vm.cpu?.topology;
  if (t && [t.sockets, t.dies, t.cores, t.threads].every(isCount)) {
    const product = t.sockets * t.dies * t.cores * t.threads;
    if (product !== vm.vcpus) {
      issue(ctx, ["cpu", "topology"], `sockets × dies × cores × threads = ${t.sockets}×${t.dies}×${t.cores}×${t.threads} = ${product}, but vcpus is ${vm.vcpus}`);
    }
  }
  if (vm.domainType === "qemu" && vm.cpu?.mode === "host-passthrough") {
    issue(ctx, ["cpu", "mode"], 'host-passthrough needs domainType "kvm"; a "qemu" (TCG) domain cannot pass the host CPU through: use "maximum" or a named model');
  }
  checkPinning(vm, ctx);
  if (isIds(vm.realtime?.vcpus)) {
    const outside = vm.realtime.vcpus.filter((v) => v >= vm.vcpus);
    if (outside.length) issue(ctx, ["realtime", "vcpus"], `vCPU ${formatCpuset(outside)} does not exist; the guest has vCPUs 0-${vm.vcpus - 1}`);
  }
  checkMemory(vm, ctx);
  checkNuma(vm, ctx);
  checkDevices(vm, ctx);
}

function checkPinning(vm: z.infer<typeof VmSpecObject>, ctx: Ctx): void {
  const p = vm.pinning;
  if (vm.realtime && !p) {
    issue(ctx, ["realtime"], 'real-time vCPUs need pinning (explicit or "auto"): unpinned, they would compete with everything on the host');
  }
  if (!p || p === "auto" || !Array.isArray(p.vcpus)) return;
  if (vm.realtime && p.vcpus.every(isIds)) checkRealtimeCpus(vm, p, ctx);
  if (p.vcpus.length !== vm.vcpus) {
    issue(ctx, ["pinning", "vcpus"], `has ${p.vcpus.length} cpusets but the guest has ${vm.vcpus} vCPUs; give one cpuset per vCPU`);
  }
  const iothreads = p.iothreads ?? [];
  if (isCount(vm.iothreads) && iothreads.length > vm.iothreads) {
    issue(ctx, ["pinning", "iothreads"], `pins ${iothreads.length} iothreads but the guest has ${vm.iothreads}; set iothreads`);
  }
}

/**
 * A FIFO/RR vCPU never yields to normal threads: the host CPU it runs on must not be shared
 * with the emulator, an iothread or another vCPU, or those starve.
 */
function checkRealtimeCpus(vm: z.infer<typeof VmSpecObject>, p: { vcpus: number[][]; emulator?: number[]; iothreads?: number[][] }, ctx: Ctx): void {
  const rt = new Set(isIds(vm.realtime?.vcpus) ? vm.realtime!.vcpus : p.vcpus.map((_, i) => i));
  // who runs on each host CPU; linear in the pins, so a 512-vCPU guest pinned to every CPU stays quick
  const users = new Map<number, string[]>();
  const use = (cpus: number[] | undefined, who: string) => {
    for (const c of isIds(cpus) ? cpus : []) {
      const list = users.get(c);
      if (list) list.push(who);
      else users.set(c, [who]);
    }
  };
  p.vcpus.forEach((cpus, i) => use(cpus, `vCPU ${i}`));
  use(p.emulator, "the emulator");
  (p.iothreads ?? []).forEach((cpus, i) => use(cpus, `iothread ${i + 1}`));
  p.vcpus.forEach((cpus, i) => {
    if (!rt.has(i)) return;
    const shared: string[] = [];
    for (const c of cpus) {
      for (const w of users.get(c) ?? []) if (w !== `vCPU ${i}` && shared.length < 3) shared.push(`${w} (host CPU ${c})`);
      if (shared.length >= 3) break;
    }
    if (shared.length) issue(ctx, ["pinning", "vcpus", i], `vCPU ${i} runs at real-time priority but shares its host CPU with ${[...new Set(shared)].join(", ")}, which it would starve`);
  });
}

function checkMemory(vm: z.infer<typeof VmSpecObject>, ctx: Ctx): void {
  const hp = vm.memory?.hugepages;
  if (!hp || typeof hp.pageSize !== "string" || !(hp.pageSize in PAGE_SIZES) || !isCount(vm.memory.size) || !Array.isArray(vm.numa?.cells)) return;
  if (hp.guestNodes !== undefined && !isIds(hp.guestNodes)) return;
  const page = PAGE_SIZES[hp.pageSize];
  // With guestNodes only those cells are on hugepages, and only they need whole pages.
  if (!hp.guestNodes && vm.memory.size % page !== 0) {
    issue(ctx, ["memory", "size"], `${formatSize(vm.memory.size)} is not a whole number of ${hp.pageSize} pages`);
  }
  vm.numa.cells.forEach((cell, i) => {
    const backed = !hp.guestNodes || hp.guestNodes.includes(i);
    if (backed && isCount(cell.memory) && cell.memory % page !== 0) {
      issue(ctx, ["numa", "cells", i, "memory"], `${formatSize(cell.memory)} is not a whole number of ${hp.pageSize} pages`);
    }
  });
  if (isIds(hp.guestNodes)) {
    const missing = hp.guestNodes.filter((n) => n >= vm.numa.cells.length);
    if (missing.length) {
      issue(ctx, ["memory", "hugepages", "guestNodes"], `guest cell ${formatCpuset(missing)} does not exist; ${describeCells(vm.numa.cells.length)}`);
    }
  }
}

function describeCells(count: number): string {
  return count === 0 ? "the guest has no NUMA cells (numa.cells)" : `the guest has cells 0-${count - 1}`;
}

function checkNuma(vm: z.infer<typeof VmSpecObject>, ctx: Ctx): void {
  const cells = vm.numa?.cells;
  if (!Array.isArray(cells) || !Array.isArray(vm.numa.memnodes) || !Array.isArray(vm.expanderBuses)) return;
  if (!cells.every((c) => isIds(c.cpus) && isCount(c.memory))) return;
  vm.numa.memnodes.forEach((m, i) => {
    if (m.cell >= cells.length) issue(ctx, ["numa", "memnodes", i, "cell"], `guest cell ${m.cell} does not exist; ${describeCells(cells.length)}`);
  });
  const cellExists = (path: (string | number)[], node: number | undefined) => {
    if (node !== undefined && node >= cells.length) issue(ctx, path, `guest cell ${node} does not exist; ${describeCells(cells.length)}`);
  };
  const busNodes = new Map<number, number>();
  const busNrs = new Map<number, number>();
  vm.expanderBuses.forEach((b, i) => {
    cellExists(["expanderBuses", i, "guestNode"], b.guestNode);
    if (busNodes.has(b.guestNode)) issue(ctx, ["expanderBuses", i, "guestNode"], `guest cell ${b.guestNode} already has expanderBuses[${busNodes.get(b.guestNode)}]`);
    else busNodes.set(b.guestNode, i);
    if (b.busNr !== undefined && busNrs.has(b.busNr)) issue(ctx, ["expanderBuses", i, "busNr"], `bus number ${b.busNr} is already used by expanderBuses[${busNrs.get(b.busNr)}]`);
    else if (b.busNr !== undefined) busNrs.set(b.busNr, i);
  });
  vm.nics.forEach((n, i) => n.type === "vf" && cellExists(["nics", i, "guestNode"], n.guestNode));
  vm.hostdevs.forEach((h, i) => cellExists(["hostdevs", i, "guestNode"], h.guestNode));
  if (vm.numa.allowSpanning && cells.length < 2) {
    // A guest spread over host nodes without NUMA cells cannot know which memory is far.
    issue(ctx, ["numa", "allowSpanning"], "spanning host nodes needs at least two guest NUMA cells (numa.cells), so the guest sees the split");
  }
  if (cells.length === 0) return;
  const owner = new Map<number, number>();
  cells.forEach((cell, i) => {
    for (const v of cell.cpus) {
      if (v >= vm.vcpus) {
        issue(ctx, ["numa", "cells", i, "cpus"], `vCPU ${v} does not exist; the guest has vCPUs 0-${vm.vcpus - 1}`);
        return;
      }
      const first = owner.get(v);
      if (first !== undefined) {
        issue(ctx, ["numa", "cells", i, "cpus"], `vCPU ${v} is already in cell ${first}; cells must not overlap`);
        return;
      }
      owner.set(v, i);
    }
  });
  const unassigned = [...Array(vm.vcpus).keys()].filter((v) => !owner.has(v));
  if (unassigned.length) issue(ctx, ["numa", "cells"], `vCPU ${formatCpuset(unassigned)} belongs to no cell; cells must cover every vCPU`);
  const total = cells.reduce((sum, c) => sum + c.memory, 0);
  if (isCount(vm.memory?.size) && total !== vm.memory.size) {
    issue(ctx, ["numa", "cells"], `cell memory adds up to ${formatSize(total)} but memory.size is ${formatSize(vm.memory.size)}`);
  }
}

/** Memory a vhost-user switch can map: on hugepages, and shared with other processes. */
function sharedHugepages(memory: Loose | undefined): boolean {
  return !!memory && !!asObject(memory.hugepages) && memory.access === "shared";
}

function checkDevices(vm: z.infer<typeof VmSpecObject>, ctx: Ctx): void {
  if (![vm.disks, vm.nics, vm.hostdevs, vm.expanderBuses].every(Array.isArray)) return;
  checkDiskSources(vm, ctx);
  const targets = new Map<string, number>();
  vm.disks.forEach((d, i) => {
    // judged only between modes that parsed: a bad cache is its own problem, not the I/O mode's
    if (d.io === "native" && ["writethrough", "writeback", "unsafe"].includes(d.cache)) {
      issue(ctx, ["disks", i, "io"], `"native" needs cache "none" or "directsync" (O_DIRECT), not "${d.cache}"; use io "io_uring" or "threads" with a host cache`);
    }
    const bus = DiskBus.safeParse(d.bus).data;
    if (bus && typeof d.target === "string" && !d.target.startsWith(bus === "virtio" ? "vd" : "sd")) {
      issue(ctx, ["disks", i, "target"], `"${d.target}" is not a ${d.bus} disk name; ${d.bus} disks are named ${d.bus === "virtio" ? "vdX" : "sdX"}`);
    }
    if (d.iothread !== undefined && bus !== undefined && bus !== "virtio") {
      issue(ctx, ["disks", i, "iothread"], `iothreads serve virtio disks; a ${d.bus} disk is served by its controller`);
    }
    if (d.target) {
      const first = targets.get(d.target);
      if (first !== undefined) issue(ctx, ["disks", i, "target"], `"${d.target}" is already used by disks[${first}]`);
      else targets.set(d.target, i);
    }
    // judged only for a source that is an object: a hostile one is the schema's problem
    const source = d.source && typeof d.source === "object" ? (d.source as Record<string, unknown>) : undefined;
    const protocol = source && "rbd" in source ? "rbd" : source && "iscsi" in source ? "iscsi" : undefined;
    if (d.auth && source && !protocol) issue(ctx, ["disks", i, "auth"], "credentials belong to a network disk (iscsi or rbd); this disk's source is on the host");
    const wanted = protocol === "rbd" ? "ceph" : protocol;
    if (d.auth?.secret && typeof d.auth.secret === "object" && protocol && d.auth.secret.type !== wanted) {
      issue(ctx, ["disks", i, "auth", "secret"], `an ${protocol} disk's key is a "${wanted}" secret, not "${d.auth.secret.type}"`);
    }
    const iothreads = effectiveIothreads(vm);
    if (typeof d.iothread === "number" && d.iothread > iothreads) {
      issue(ctx, ["disks", i, "iothread"], `iothread ${d.iothread} does not exist; the guest has ${iothreads} iothreads${vm.iothreads === undefined ? " (set iothreads)" : ""}`);
    }
  });
  const macs = new Map<string, string>();
  const addresses = new Map<string, string>();
  const claim = (map: Map<string, string>, key: string, where: string, path: (string | number)[], what: string) => {
    const first = map.get(key);
    if (first !== undefined) issue(ctx, path, `${what} ${key} is already used by ${first}`);
    else map.set(key, where);
  };
  vm.nics.forEach((n, i) => {
    // judged only for a model that parsed: a bad model is its own problem
    const model = (n.type === "network" || n.type === "bridge" || n.type === "direct") && typeof n.queues === "number" && n.queues > 1 ? NicModel.safeParse(n.model).data : undefined;
    if (model && model !== "virtio") {
      issue(ctx, ["nics", i, "queues"], `multiqueue is a virtio feature; a "${model}" NIC has one queue`);
    }
    if (n.type === "vhostuser" && !sharedHugepages(asObject(vm.memory))) {
      // the switch maps the guest's RAM to reach its rings: private or ordinary memory it cannot see
      issue(ctx, ["nics", i], `a vhost-user NIC needs the guest's memory on shared hugepages, which memory is not: give memory a HugepageMemory with shared: true (or memory.hugepages with memory.access "shared")`);
    }
    if (n.mac) claim(macs, n.mac, `nics[${i}]`, ["nics", i, "mac"], "MAC");
    if (n.type === "vf" && isPci(n.address)) claim(addresses, formatPciAddress(n.address), `nics[${i}]`, ["nics", i, "address"], "PCI device");
  });
  vm.hostdevs.forEach((h, i) => isPci(h.address) && claim(addresses, formatPciAddress(h.address), `hostdevs[${i}]`, ["hostdevs", i, "address"], "PCI device"));
  const hasPciDevices = vm.nics.some((n) => n.type === "vf") || vm.hostdevs.length > 0;
  if (vm.expanderBuses.length > 0 && !hasPciDevices) {
    issue(ctx, ["expanderBuses"], "no passthrough device (nics of type \"vf\" or hostdevs) would sit behind the expander buses");
  }
}

/** One image as two disks is two writers of one file, each unaware of the other. */
function checkDiskSources(vm: z.infer<typeof VmSpecObject>, ctx: Ctx): void {
  const sources = new Map<string, number>();
  vm.disks.forEach((d, i) => {
    // judged only for a source that is an object: a hostile one is the schema's problem
    const source = d.source && typeof d.source === "object" ? (d.source as Record<string, unknown>) : undefined;
    const image = source && (typeof source.file === "string" ? source.file : typeof source.device === "string" ? source.device : typeof source.pool === "string" && typeof source.volume === "string" ? `volume ${source.pool}/${source.volume}` : undefined);
    if (image === undefined) return;
    const first = sources.get(image);
    if (first !== undefined) issue(ctx, ["disks", i, "source"], `${image} is already disks[${first}] of this VM; one image attached twice is two disks writing one file`);
    else sources.set(image, i);
  });
}
