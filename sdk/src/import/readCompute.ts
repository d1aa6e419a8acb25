import type { VmSpecInput } from "../schema/vm";
import { formatCpuset, parseCpuset } from "../schema/cpuset";
import { formatSize } from "../schema/units";
import { PAGE_SIZES, pageSizeName } from "../schema/memory";
import type { ImportNotes } from "./notes";
import { attr, attrNames, child, childNames, children, text, type XmlNode } from "../xml/xmlReader";
import { bytesOf } from "./domainElement";

/** vCPUs, CPU model, pinning, memory and NUMA of a domain, as VM spec input. */

type Spec = VmSpecInput;
const KIB = 1024;

/** A cpuset as canonical text, or undefined when libvirt's text is no cpuset. */
export function canonicalCpuset(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return formatCpuset(parseCpuset(text));
  } catch {
    return undefined;
  }
}

export function readVcpus(d: XmlNode, notes: ImportNotes): { vcpus: number; cpuset?: string } {
  const vcpu = child(d, "vcpu");
  const count = Number(text(vcpu));
  const current = attr(vcpu, "current");
  if (current !== undefined && Number(current) !== count) notes.lost("vcpus", "vcpu@current", `${current} of ${count} vCPUs online at start: virtkit starts every vCPU (no vCPU hot-plug)`);
  if (child(d, "vcpus")) notes.lost("vcpus", "vcpus", "per-vCPU enabled/hotpluggable/order: virtkit starts every vCPU");
  if (attr(vcpu, "placement") === "auto") {
    notes.lost("pinning", "vcpu@placement", "placement='auto' asks numad where to run: virtkit pins explicitly or places itself (pinning: \"auto\")");
    if (!child(child(d, "numatune"), "memory")) notes.lost("numa", "vcpu@placement", "placement='auto' also binds memory where numad says: virtkit binds to nodes it names");
  }
  return { vcpus: count, cpuset: canonicalCpuset(attr(vcpu, "cpuset")) };
}

/**
 * `<cputune>` as explicit pinning: a host cpuset per vCPU (from `vcpupin`, else `<vcpu cpuset>`,
 * which libvirt applies to unpinned vCPUs and the emulator), emulator and iothreads.
 */
export function readPinning(d: XmlNode, vcpus: number, vcpuCpuset: string | undefined, iothreads: number, notes: ImportNotes): Pick<Spec, "pinning" | "realtime"> {
  const tune = child(d, "cputune");
  for (const name of childNames(tune)) {
    if (!["vcpupin", "emulatorpin", "iothreadpin", "vcpusched"].includes(name)) notes.lost("other", `cputune/${name}`, "CPU bandwidth and scheduling knobs are not in virtkit's API");
  }
  const pins = new Map<number, string>();
  for (const p of children(tune, "vcpupin")) {
    const cpus = canonicalCpuset(attr(p, "cpuset"));
    if (cpus !== undefined) pins.set(Number(attr(p, "vcpu")), cpus);
  }
  const emulator = canonicalCpuset(attr(child(tune, "emulatorpin"), "cpuset")) ?? vcpuCpuset;
  const iothreadPins = new Map(children(tune, "iothreadpin").map((p) => [Number(attr(p, "iothread")), canonicalCpuset(attr(p, "cpuset"))]));
  const realtime = readRealtime(tune, notes);
  const perVcpu = [...Array(vcpus).keys()].map((v) => pins.get(v) ?? vcpuCpuset);
  if (!pins.size && !vcpuCpuset && !emulator && !iothreadPins.size) {
    if (realtime) notes.lost("pinning", "cputune/vcpusched", "real-time vCPUs need pinned vCPUs in virtkit");
    return {};
  }
  if (perVcpu.some((c) => c === undefined)) {
    if (realtime) notes.lost("pinning", "cputune/vcpusched", "real-time vCPUs need pinned vCPUs in virtkit");
    const unpinned = perVcpu.flatMap((c, v) => (c === undefined ? [v] : []));
    if (pins.size) notes.lost("pinning", "cputune/vcpupin", `vCPU ${formatCpuset(unpinned)} ${unpinned.length > 1 ? "are" : "is"} unpinned while others are pinned: virtkit pins every vCPU or none`);
    if (emulator || iothreadPins.size) notes.lost("pinning", emulator ? "cputune/emulatorpin" : "cputune/iothreadpin", `${pins.size ? "" : "no vCPU is pinned: "}emulator and iothread pins need every vCPU pinned in virtkit`);
    return {};
  }
  const iothreadList = [...Array(iothreads).keys()].map((i) => iothreadPins.get(i + 1));
  const lastPinned = iothreadList.reduce((last, c, i) => (c ? i : last), -1);
  const pinnedIothreads = iothreadList.slice(0, lastPinned + 1);
  if (pinnedIothreads.some((c) => c === undefined)) {
    notes.lost("pinning", "cputune/iothreadpin", "iothreads pinned with gaps: virtkit pins iothreads 1..n in order");
  }
  const extra = [...iothreadPins.keys()].filter((id) => id < 1 || id > iothreads);
  if (extra.length) notes.lost("pinning", "cputune/iothreadpin", `iothread ${extra.join(", ")} does not exist`);
  return {
    pinning: {
      vcpus: perVcpu as string[],
      ...(emulator ? { emulator } : {}),
      ...(pinnedIothreads.length && pinnedIothreads.every((c) => c) ? { iothreads: pinnedIothreads as string[] } : {}),
    },
    ...(realtime ? { realtime } : {}),
  };
}

function readRealtime(tune: XmlNode | undefined, notes: ImportNotes): Spec["realtime"] {
  const scheds = children(tune, "vcpusched");
  const rt = scheds.filter((s) => ["fifo", "rr"].includes(attr(s, "scheduler") ?? ""));
  for (const s of scheds.filter((x) => !rt.includes(x))) notes.lost("pinning", `cputune/vcpusched[${attr(s, "vcpus")}]`, `scheduler '${attr(s, "scheduler")}': virtkit schedules vCPUs as real-time (fifo, rr) or not at all`);
  if (!rt.length) return undefined;
  const [first, ...rest] = rt;
  const priority = Number(attr(first, "priority"));
  const same = rest.every((s) => attr(s, "scheduler") === attr(first, "scheduler") && Number(attr(s, "priority")) === priority);
  if (!same || !(priority >= 1 && priority <= 99)) {
    notes.lost("pinning", "cputune/vcpusched", "real-time vCPUs with different schedulers or priorities, or a priority outside 1-99: virtkit gives one scheduler and priority");
    return undefined;
  }
  const vcpus = canonicalCpuset(rt.map((s) => attr(s, "vcpus")).join(","));
  return { vcpus, scheduler: attr(first, "scheduler") as "fifo" | "rr", priority };
}

/** `<iothreads>`: a count; explicit ids other than 1..n cannot be said. */
export function readIothreads(d: XmlNode, notes: ImportNotes): number {
  const count = Number(text(child(d, "iothreads")) ?? 0);
  const ids = children(child(d, "iothreadids"), "iothread").map((t) => Number(attr(t, "id")));
  if (ids.length && ids.some((id, i) => id !== i + 1)) notes.lost("pinning", "iothreadids", `iothread ids ${ids.join(", ")}: virtkit numbers iothreads 1..n`);
  for (const t of children(child(d, "iothreadids"), "iothread")) if (attrNames(t).some((a) => a !== "id")) notes.lost("pinning", "iothreadids/iothread", "thread pool sizes are not in virtkit's API");
  if (child(d, "defaultiothread")) notes.lost("pinning", "defaultiothread", "not in virtkit's API");
  return Number.isInteger(count) && count > 0 ? count : 0;
}

/**
 * `<cpu>`: mode, model, check, topology, features, and the guest NUMA cells. A domain
 * without `<cpu>` runs QEMU's default model, qemu64, which virtkit names explicitly.
 */
export function readCpu(d: XmlNode, notes: ImportNotes): { cpu: Spec["cpu"]; cells: NonNullable<Spec["numa"]>["cells"] } {
  const cpu = child(d, "cpu");
  if (!cpu) {
    notes.change("cpu", "cpu", "no <cpu>: QEMU's default x86_64 model, said as mode \"custom\", model \"qemu64\"");
    return { cpu: { mode: "custom", model: "qemu64" }, cells: [] };
  }
  const model = child(cpu, "model");
  const modelName = text(model);
  // <cpu> with only a topology or cells: the guest still runs QEMU's default model
  let mode: string | undefined = attr(cpu, "mode") ?? "custom";
  if (mode === "custom" && !modelName) {
    notes.change("cpu", "cpu/model", "no model: QEMU's default x86_64 model, said as \"qemu64\"");
  }
  if (mode !== undefined && !["host-passthrough", "host-model", "maximum", "custom"].includes(mode)) {
    notes.lost("cpu", "cpu@mode", `'${mode}' is not a virtkit CPU mode`);
    mode = undefined;
  }
  const match = attr(cpu, "match");
  if (mode === "custom" && match !== undefined && match !== "exact") notes.lost("cpu", "cpu@match", `'${match}': virtkit asks for the model exactly (match='exact')`);
  if (mode === "custom" && modelName && attr(model, "fallback") !== "forbid") notes.lost("cpu", "cpu/model@fallback", `'${attr(model, "fallback") ?? "allow"}': virtkit forbids falling back to another model`);
  if (mode !== "custom" && modelName) notes.lost("cpu", "cpu/model", `a model under mode '${mode}' is not in virtkit's API`);
  for (const name of childNames(cpu)) {
    if (!["model", "topology", "feature", "numa"].includes(name)) notes.lost("cpu", `cpu/${name}`, "not in virtkit's API");
  }
  for (const a of attrNames(cpu)) if (!["mode", "match", "check", "migratable"].includes(a)) notes.lost("cpu", `cpu@${a}`, "not in virtkit's API");
  if (attr(cpu, "migratable") !== undefined && attr(cpu, "migratable") !== "on") notes.lost("cpu", "cpu@migratable", "not in virtkit's API");
  const t = child(cpu, "topology");
  const topology = t && {
    sockets: Number(attr(t, "sockets")),
    dies: Number(attr(t, "dies") ?? 1),
    cores: Number(attr(t, "cores")),
    threads: Number(attr(t, "threads")),
  };
  if (attr(t, "clusters") !== undefined && attr(t, "clusters") !== "1") notes.lost("cpu", "cpu/topology@clusters", "not in virtkit's API");
  const features = children(cpu, "feature").map((f) => ({ name: attr(f, "name") ?? "", policy: (attr(f, "policy") ?? "require") as "require" }));
  const check = attr(cpu, "check") as "none" | "partial" | "full" | undefined;
  const spec: NonNullable<Spec["cpu"]> = {
    ...(mode ? { mode: mode as "custom" } : {}),
    ...(mode === "custom" ? { model: modelName || "qemu64" } : {}),
    ...(features.length ? { features } : {}),
    ...(check ? { check } : {}),
    ...(topology ? { topology } : {}),
  };
  return { cpu: spec, cells: readCells(child(cpu, "numa"), notes) };
}

function readCells(numa: XmlNode | undefined, notes: ImportNotes): NonNullable<Spec["numa"]>["cells"] {
  const cells = children(numa, "cell");
  for (const name of childNames(numa)) if (name !== "cell") notes.lost("numa", `cpu/numa/${name}`, "not in virtkit's API");
  return cells.map((c, i) => {
    if (Number(attr(c, "id") ?? i) !== i) notes.lost("numa", `cpu/numa/cell[${attr(c, "id")}]`, "cell ids out of order: virtkit numbers cells by their place in the list");
    for (const a of attrNames(c)) if (!["id", "cpus", "memory", "unit", "memAccess"].includes(a)) notes.lost("numa", `cpu/numa/cell[${i}]@${a}`, "not in virtkit's API");
    if (childNames(c).length) notes.lost("numa", `cpu/numa/cell[${i}]/${childNames(c).join(",")}`, "NUMA distances and caches are not in virtkit's API");
    const memAccess = attr(c, "memAccess") as "shared" | "private" | undefined;
    const bytes = bytesOf(attr(c, "memory"), attr(c, "unit")) ?? 0;
    return { cpus: canonicalCpuset(attr(c, "cpus")) ?? "", memory: sizeText(bytes), ...(memAccess ? { memAccess } : {}) };
  });
}

/** Bytes as virtkit's size text ("4GiB"); a size that is not whole KiB stays a number (virtkit refuses it with its reason). */
export const sizeText = (bytes: number): string | number => (bytes % KIB === 0 ? formatSize(bytes) : bytes);

/** `<memory>`, `<currentMemory>`, `<maxMemory>` and `<memoryBacking>`. */
export function readMemory(d: XmlNode, notes: ImportNotes): Spec["memory"] {
  const memory = child(d, "memory");
  const bytes = bytesOf(text(memory), attr(memory, "unit")) ?? 0;
  const current = child(d, "currentMemory");
  const currentBytes = bytesOf(text(current), attr(current, "unit"));
  if (currentBytes !== undefined && currentBytes !== bytes) notes.lost("memory", "currentMemory", `${formatSize(currentBytes)} of ${formatSize(bytes)} at start (balloon): virtkit gives the guest all its memory`);
  if (child(d, "maxMemory")) notes.lost("memory", "maxMemory", "memory hot-plug slots are not in virtkit's API");
  const backing = child(d, "memoryBacking");
  const spec: Spec["memory"] = { size: sizeText(bytes) };
  for (const name of childNames(backing)) {
    switch (name) {
      case "hugepages": {
        const pages = children(child(backing, "hugepages"), "page");
        if (pages.length > 1) {
          notes.lost("hugepages", "memoryBacking/hugepages/page", `${pages.length} page sizes for different cells: virtkit backs a VM with one page size`);
          break;
        }
        // no <page>: the host's default hugepage size, 2 MiB on x86_64
        const size = pages.length ? bytesOf(attr(pages[0], "size"), attr(pages[0], "unit")) : PAGE_SIZES["2MiB"];
        const pageSize = size === undefined ? undefined : pageSizeName(size);
        if (!pageSize) {
          notes.lost("hugepages", "memoryBacking/hugepages/page@size", `${attr(pages[0], "size")} ${attr(pages[0], "unit") ?? "KiB"}: virtkit knows 2 MiB and 1 GiB pages`);
          break;
        }
        if (!pages.length) notes.change("hugepages", "memoryBacking/hugepages", "the host's default page size, said as 2MiB (x86_64's)");
        const guestNodes = canonicalCpuset(attr(pages[0], "nodeset"));
        spec.hugepages = { pageSize, ...(guestNodes !== undefined ? { guestNodes } : {}) };
        break;
      }
      case "locked":
        spec.locked = true;
        break;
      case "nosharepages":
        spec.nosharepages = true;
        break;
      case "access": {
        const mode = attr(child(backing, "access"), "mode");
        if (mode === "shared" || mode === "private") spec.access = mode;
        else notes.lost("memory", "memoryBacking/access", `mode '${mode}' is not in virtkit's API`);
        break;
      }
      case "source": {
        const type = attr(child(backing, "source"), "type");
        if (type === "anonymous" || type === "file" || type === "memfd") spec.source = type;
        else notes.lost("memory", "memoryBacking/source", `type '${type}' is not in virtkit's API`);
        break;
      }
      default:
        notes.lost("memory", `memoryBacking/${name}`, "not in virtkit's API");
    }
  }
  return spec;
}

/** `<numatune>`: the global binding and per-cell memnodes. */
export function readNumatune(d: XmlNode, notes: ImportNotes): Pick<NonNullable<Spec["numa"]>, "mode" | "hostNodes" | "memnodes"> {
  const tune = child(d, "numatune");
  if (!tune) return {};
  for (const name of childNames(tune)) if (!["memory", "memnode"].includes(name)) notes.lost("numa", `numatune/${name}`, "not in virtkit's API");
  const memory = child(tune, "memory");
  const out: Pick<NonNullable<Spec["numa"]>, "mode" | "hostNodes" | "memnodes"> = {};
  const mode = attr(memory, "mode") as "strict" | undefined;
  if (memory && attr(memory, "placement") === "auto") {
    notes.lost("numa", "numatune/memory@placement", "placement='auto' asks numad for the nodes: virtkit binds to nodes it names (hostNodes) or places itself");
  } else if (memory) {
    const nodeset = canonicalCpuset(attr(memory, "nodeset"));
    if (nodeset) out.hostNodes = nodeset;
    else notes.lost("numa", "numatune/memory", "a memory mode without a nodeset is not in virtkit's API");
  }
  if (mode) out.mode = mode;
  const memnodes = children(tune, "memnode").map((m) => ({
    cell: Number(attr(m, "cellid")),
    mode: (attr(m, "mode") ?? "strict") as "strict",
    hostNodes: canonicalCpuset(attr(m, "nodeset")) ?? "",
  }));
  if (memnodes.length) out.memnodes = memnodes;
  return out;
}
