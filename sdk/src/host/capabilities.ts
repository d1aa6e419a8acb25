import { CpusetSyntaxError, MAX_CPU_ID, parseCpuset } from "../schema/cpuset";
import { libvirtUnitBytes } from "../schema/units";
import { attr, child, children, readXml, text, XmlReadError, type XmlNode } from "../xml/xmlReader";
import type { HostCpu, HostModel, HostNumaNode } from "./model";

/**
 * Raised when a document handed to the host layer is not what it claims to be: not
 * well-formed XML, not a `virsh capabilities` / `virsh nodedev-dumpxml` document, or
 * one whose content contradicts itself. The message names the document and the element.
 */
export class HostModelError extends Error {
  /**
   * @param source which input the problem is in: the capabilities document, one of the
   *   nodedev documents (`index`), or the reserved CPUs
   */
  constructor(
    message: string,
    readonly source: "capabilities" | "devices" | "reservedCpus" = "capabilities",
    readonly index?: number,
  ) {
    super(message);
    this.name = "HostModelError";
  }

  /** The problem said again as being in `source` (document `index`). */
  in(source: HostModelError["source"], index?: number): HostModelError {
    return new HostModelError(this.message, source, index);
  }
}

/**
 * Reads one XML document and returns its root element, checking the root's tag.
 * `what` names the document in errors, e.g. `capabilities document` or `nodedev document 3`.
 */
export function parseXmlRoot(xml: string, rootTag: string, what: string): XmlNode {
  let root: XmlNode;
  try {
    root = readXml(xml, what);
  } catch (e) {
    throw e instanceof XmlReadError ? new HostModelError(e.message) : e;
  }
  if (root.name !== rootTag) {
    throw new HostModelError(`${what} has root element <${root.name}>, expected <${rootTag}>` + hintFor(root.name, rootTag));
  }
  return root;
}

function hintFor(found: string, expected: string): string {
  if (expected === "capabilities" && found === "device") return " (that is a nodedev document; pass it in the device list)";
  if (expected === "device" && found === "capabilities") return " (that is `virsh capabilities` output, not `virsh nodedev-dumpxml`)";
  if (found === "domainCapabilities") return " (that is `virsh domcapabilities`; use `virsh capabilities`)";
  return "";
}

/** A whole number written in decimal or `0x` hex (libvirt uses both); undefined when absent. */
export function integer(value: string | undefined, where: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  // nothing in these documents is negative: ids, counts, sizes and distances
  const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new HostModelError(`${where}: "${value.slice(0, 40)}" is not a whole number of zero or more`);
  return n;
}

function required(value: number | undefined, where: string): number {
  if (value === undefined) throw new HostModelError(`${where} is missing`);
  return value;
}

/** Bytes of a libvirt scaled value; `defaultUnit` is what libvirt assumes without a unit (KiB for memory and pages). */
function scaled(value: number, unit: string | undefined, where: string, defaultUnit = "KiB"): number {
  const factor = libvirtUnitBytes(unit ?? defaultUnit);
  if (factor === undefined) throw new HostModelError(`${where}: unknown unit "${String(unit).slice(0, 40)}"`);
  return value * factor;
}

function cpusetAttr(value: string, where: string): number[] {
  try {
    return parseCpuset(value);
  } catch (e) {
    if (e instanceof CpusetSyntaxError) throw new HostModelError(`${where}: ${e.message}`);
    throw e;
  }
}

/**
 * Parses `virsh capabilities` output into the host's CPUs and NUMA nodes
 * (`/capabilities/host/topology/cells/cell`: memory, page pools, distances, CPUs with
 * socket/die/core ids and thread siblings). The returned model has no PCI devices; `buildHostModel`
 * (in `nodedev.ts`) adds them.
 *
 * A host that reports no `<topology>` (some drivers, old libvirt) becomes one node 0
 * holding the CPUs counted from `<host><cpu><topology>`, or no CPUs at all.
 * @throws HostModelError when the document is not capabilities XML or contradicts itself.
 */
export function parseCapabilities(xml: string): HostModel {
  const root = parseXmlRoot(xml, "capabilities", "capabilities document");
  const host = child(root, "host");
  if (!host) throw new HostModelError("capabilities document has no <host> element");
  const cells = children(child(child(host, "topology"), "cells"), "cell");
  const { nodes, cpus } = cells.length > 0 ? parseCells(cells) : hostWithoutTopology(host);
  return { nodes, cpus, pciDevices: [] };
}

function parseCells(cells: XmlNode[]): { nodes: HostNumaNode[]; cpus: HostCpu[] } {
  const nodes: HostNumaNode[] = [];
  const cpus = new Map<number, HostCpu>();
  for (const [i, cell] of cells.entries()) {
    const id = required(integer(attr(cell, "id"), `cell[${i}] id`), `cell[${i}] id attribute`);
    const where = `capabilities cell ${id}`;
    if (nodes.some((n) => n.id === id)) throw new HostModelError(`${where} appears twice`);
    const memEl = child(cell, "memory");
    const memValue = integer(text(memEl), `${where} <memory>`);
    const memoryBytes = memValue === undefined ? 0 : scaled(memValue, attr(memEl, "unit"), `${where} <memory>`);
    const pages = children(cell, "pages").map((p) => ({
      sizeBytes: scaled(required(integer(attr(p, "size"), `${where} <pages> size`), `${where} <pages> size`), attr(p, "unit"), `${where} <pages>`),
      count: integer(text(p), `${where} <pages>`) ?? 0,
    }));
    pages.sort((a, b) => a.sizeBytes - b.sizeBytes);
    const distances: Record<number, number> = {};
    for (const s of children(child(cell, "distances"), "sibling")) {
      const to = required(integer(attr(s, "id"), `${where} distance`), `${where} <sibling> id`);
      distances[to] = required(integer(attr(s, "value"), `${where} distance`), `${where} <sibling> value`);
    }
    const cpuIds: number[] = [];
    for (const c of children(child(cell, "cpus"), "cpu")) {
      const cpuId = required(integer(attr(c, "id"), `${where} <cpu> id`), `${where} <cpu> id attribute`);
      if (cpuId > MAX_CPU_ID) throw new HostModelError(`${where}: CPU id ${cpuId} exceeds libvirt's limit of ${MAX_CPU_ID}`);
      if (cpus.has(cpuId)) throw new HostModelError(`host CPU ${cpuId} appears in two cells`);
      const siblingsText = attr(c, "siblings");
      const siblings = siblingsText ? cpusetAttr(siblingsText, `${where} cpu ${cpuId} siblings`) : [cpuId];
      // libvirt lists the CPU among its own siblings; keep that true even for odd input.
      if (!siblings.includes(cpuId)) {
        siblings.push(cpuId);
        siblings.sort((a, b) => a - b);
      }
      cpus.set(cpuId, {
        id: cpuId,
        // Old libvirt and some drivers omit the ids: each CPU is then its own core.
        socketId: integer(attr(c, "socket_id"), `${where} cpu ${cpuId} socket_id`) ?? 0,
        dieId: integer(attr(c, "die_id"), `${where} cpu ${cpuId} die_id`) ?? 0,
        coreId: integer(attr(c, "core_id"), `${where} cpu ${cpuId} core_id`) ?? cpuId,
        node: id,
        siblings,
      });
      cpuIds.push(cpuId);
    }
    cpuIds.sort((a, b) => a - b);
    nodes.push({ id, memoryBytes, cpuIds, pages, distances });
  }
  for (const cpu of cpus.values()) {
    for (const s of cpu.siblings) {
      if (!cpus.has(s)) throw new HostModelError(`host CPU ${cpu.id} lists sibling ${s}, which is not a CPU of any cell`);
    }
  }
  nodes.sort((a, b) => a.id - b.id);
  return { nodes, cpus: [...cpus.values()].sort((a, b) => a.id - b.id) };
}

function hostWithoutTopology(host: XmlNode): { nodes: HostNumaNode[]; cpus: HostCpu[] } {
  const cpuEl = child(host, "cpu");
  const topo = child(cpuEl, "topology");
  const where = "capabilities <host><cpu><topology>";
  const count = (name: string) => integer(attr(topo, name), `${where} ${name}`) ?? 1;
  const sockets = count("sockets");
  const dies = count("dies");
  const cores = count("cores");
  const threads = count("threads");
  const cpus: HostCpu[] = [];
  if (topo) {
    // Without per-CPU data the thread layout is unknown; assume Linux's usual x86
    // enumeration (first threads of all cores, then second threads), as on real hosts.
    const physical = sockets * dies * cores;
    // a document of a hundred bytes must not make millions of CPUs
    if (physical * threads > MAX_CPU_ID + 1) {
      throw new HostModelError(`${where}: ${sockets}×${dies}×${cores}×${threads} CPUs exceed libvirt's limit of ${MAX_CPU_ID + 1}`);
    }
    for (let id = 0; id < physical * threads; id++) {
      const core = id % physical;
      const siblings = Array.from({ length: threads }, (_, t) => core + t * physical);
      cpus.push({
        id,
        socketId: Math.floor(core / (dies * cores)),
        dieId: Math.floor(core / cores) % dies,
        coreId: core % cores,
        node: 0,
        siblings,
      });
    }
  }
  const pages = children(cpuEl, "pages").map((p) => ({
    sizeBytes: scaled(required(integer(attr(p, "size"), `${where} pages`), "<pages> size"), attr(p, "unit"), "<pages>"),
    // The pool sizes are only reported per cell; without cells nothing is known to be free.
    count: 0,
  }));
  pages.sort((a, b) => a.sizeBytes - b.sizeBytes);
  return {
    cpus,
    nodes: [{ id: 0, memoryBytes: 0, cpuIds: cpus.map((c) => c.id), pages, distances: {} }],
  };
}
