import { canonicalCpuset } from "./readCompute";
import { AREAS, type Area } from "./notes";
import { attr, child, children, emptyElement, text, type XmlNode } from "../xml/xmlReader";
import { bytesOf, pciAddressText, readDomainElement } from "./domainElement";

/**
 * The facts of a domain in virtkit's scope, per area, read the same way from any domain
 * XML (libvirt's normalised `dumpxml` above all), so two domains can be compared fact by
 * fact: the original and what virtkit made of it.
 */
export type ScopeFacts = Record<(typeof AREAS)[number], unknown>;

const KIB = 1024;

/** The facts of a domain's XML in virtkit's areas; an empty document or another root has the facts of an empty domain. */
export function scopeFacts(xml: string): ScopeFacts {
  const d = readDomainElement(xml) ?? emptyElement("domain");
  const machine = attr(child(child(d, "os"), "type"), "machine") ?? "pc";
  const os = child(d, "os");
  return {
    ...cpuFacts(d),
    ...memoryFacts(d),
    ...deviceFacts(child(d, "devices")),
    chipset: /^(q35|pc-q35-)/.test(machine) ? "q35" : /^(pc|pc-i440fx-.*|pc-\d.*)$/.test(machine) ? "i440fx" : machine,
    firmware: attr(os, "firmware") === "efi" || attr(child(os, "loader"), "type") === "pflash" ? "efi" : "bios",
  };
}

/** vCPUs, what each thread may run on, and the CPU model. */
function cpuFacts(d: XmlNode): Pick<ScopeFacts, "vcpus" | "pinning" | "cpu"> {
  const vcpu = child(d, "vcpu");
  const vcpus = Number(text(vcpu));
  const cpuset = canonicalCpuset(attr(vcpu, "cpuset"));
  const tune = child(d, "cputune");
  const pinOf = new Map(children(tune, "vcpupin").map((p) => [Number(attr(p, "vcpu")), canonicalCpuset(attr(p, "cpuset"))]));
  const cpu = child(d, "cpu");
  const model = child(cpu, "model");
  // no <cpu>, or a custom mode without a model: QEMU's default model
  const mode = attr(cpu, "mode") ?? (text(model) ? "custom" : "custom");
  const topology = child(cpu, "topology");
  const byId = <T extends { id: number }>(xs: T[]) => [...xs].sort((a, b) => a.id - b.id);
  return {
    vcpus: { count: vcpus, current: Number(attr(vcpu, "current") ?? vcpus) },
    pinning: {
      // what each thread may run on: vcpupin, else <vcpu cpuset>, else anywhere
      vcpus: [...Array(vcpus).keys()].map((v) => pinOf.get(v) ?? cpuset ?? "*"),
      emulator: canonicalCpuset(attr(child(tune, "emulatorpin"), "cpuset")) ?? cpuset ?? "*",
      iothreads: Number(text(child(d, "iothreads")) ?? 0),
      iothreadpins: byId(children(tune, "iothreadpin").map((p) => ({ id: Number(attr(p, "iothread")), cpuset: canonicalCpuset(attr(p, "cpuset")) }))),
      vcpusched: children(tune, "vcpusched")
        .flatMap((s) => (canonicalCpuset(attr(s, "vcpus")) ?? "").split(",").map((v) => `${v}:${attr(s, "scheduler")}:${attr(s, "priority") ?? ""}`))
        .sort(),
    },
    cpu: {
      mode,
      model: mode === "custom" ? text(model) || "qemu64" : text(model),
      match: mode === "custom" ? attr(cpu, "match") ?? "exact" : undefined,
      check: attr(cpu, "check"),
      topology: topology && {
        sockets: attr(topology, "sockets"),
        dies: attr(topology, "dies") ?? "1",
        cores: attr(topology, "cores"),
        threads: attr(topology, "threads"),
      },
      features: children(cpu, "feature").map((f) => `${attr(f, "name")}:${attr(f, "policy") ?? "require"}`).sort(),
    },
  };
}

/** Memory, its backing, hugepages, guest NUMA cells and numatune. */
function memoryFacts(d: XmlNode): Pick<ScopeFacts, "memory" | "hugepages" | "numa"> {
  const memory = child(d, "memory");
  const backing = child(d, "memoryBacking");
  const hugepages = child(backing, "hugepages");
  const numatune = child(d, "numatune");
  const tuneMemory = child(numatune, "memory");
  const pages = children(hugepages, "page");
  return {
    memory: {
      KiB: (bytesOf(text(memory), attr(memory, "unit")) ?? 0) / KIB,
      locked: !!child(backing, "locked"),
      nosharepages: !!child(backing, "nosharepages"),
      access: attr(child(backing, "access"), "mode"),
      source: attr(child(backing, "source"), "type"),
    },
    hugepages: hugepages && {
      // no <page>: the host's default size, 2 MiB on x86_64
      pages: (pages.length ? pages : [emptyElement("page")]).map((p) => ({
        KiB: (bytesOf(attr(p, "size") ?? "2048", attr(p, "unit")) ?? 0) / KIB,
        nodeset: canonicalCpuset(attr(p, "nodeset")),
      })),
    },
    numa: {
      cells: children(child(child(d, "cpu"), "numa"), "cell").map((c) => ({
        id: attr(c, "id"),
        cpus: canonicalCpuset(attr(c, "cpus")),
        KiB: (bytesOf(attr(c, "memory"), attr(c, "unit")) ?? 0) / KIB,
        memAccess: attr(c, "memAccess"),
      })),
      memory: tuneMemory && {
        mode: attr(tuneMemory, "mode") ?? "strict",
        nodeset: canonicalCpuset(attr(tuneMemory, "nodeset")),
        placement: attr(tuneMemory, "placement") === "auto" ? "auto" : undefined,
      },
      memnodes: children(numatune, "memnode").map((m) => ({ cell: attr(m, "cellid"), mode: attr(m, "mode") ?? "strict", nodeset: canonicalCpuset(attr(m, "nodeset")) })),
    },
  };
}

/** Disks, NICs and passed-through PCI devices. */
function deviceFacts(devices: XmlNode | undefined): Pick<ScopeFacts, "disks" | "nics" | "hostdevs"> {
  return {
    disks: children(devices, "disk").map(diskFacts),
    nics: children(devices, "interface").map(nicFacts),
    hostdevs: children(devices, "hostdev").map((h) => ({
      mode: attr(h, "mode"),
      type: attr(h, "type"),
      address: pciAddressText(child(child(h, "source"), "address")),
      managed: attr(h, "managed") === "yes",
    })),
  };
}

function diskFacts(disk: XmlNode) {
  const driver = child(disk, "driver");
  const source = child(disk, "source");
  return {
    type: attr(disk, "type"),
    device: attr(disk, "device") ?? "disk",
    format: attr(driver, "type") ?? "raw",
    source: attr(source, "file") ?? attr(source, "dev") ?? (attr(source, "pool") ? `${attr(source, "pool")}/${attr(source, "volume")}` : attr(source, "name")),
    target: attr(child(disk, "target"), "dev"),
    bus: attr(child(disk, "target"), "bus"),
    readonly: !!child(disk, "readonly"),
    cache: attr(driver, "cache"),
    io: attr(driver, "io"),
    discard: attr(driver, "discard"),
    iothread: attr(driver, "iothread"),
  };
}

function nicFacts(n: XmlNode) {
  const source = child(n, "source");
  return {
    type: attr(n, "type"),
    source: attr(source, "network") ?? attr(source, "bridge") ?? pciAddressText(child(source, "address")) ?? attr(source, "dev") ?? attr(source, "path"),
    mode: attr(source, "mode"),
    virtualport: attr(child(n, "virtualport"), "type"),
    interfaceid: attr(child(child(n, "virtualport"), "parameters"), "interfaceid"),
    mac: attr(child(n, "mac"), "address"),
    // a VF is the host's device: the guest sees its own model, whatever the XML says
    model: attr(n, "type") === "hostdev" ? undefined : attr(child(n, "model"), "type"),
    queues: attr(n, "type") === "hostdev" ? undefined : attr(child(n, "driver"), "queues") ?? "1",
    vlan: children(child(n, "vlan"), "tag").map((t) => attr(t, "id")).join(",") || undefined,
    trust: attr(n, "trustGuestRxFilters") === "yes",
  };
}

/**
 * Facts the original left to the hypervisor, which virtkit sets (a disk's cache mode, a
 * NIC's model or MAC): compared only where the original says them.
 */
const SAID_ONLY_BY_ORIGINAL: Partial<Record<Area, string[]>> = { disks: ["cache", "io", "discard"], nics: ["mac", "model", "interfaceid"] };

export interface AreaComparison {
  readonly area: (typeof AREAS)[number];
  readonly agree: boolean;
  readonly original: unknown;
  readonly ours: unknown;
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).filter(([, y]) => y !== undefined).sort(([a], [b]) => a.localeCompare(b))) : x));

/**
 * The two domains' facts, area by area. `written` are the facts of the original as it was
 * written (before libvirt filled in defaults, such as a generated MAC): a fact it left to
 * the hypervisor is compared on neither side.
 */
export function compareScopeFacts(original: ScopeFacts, ours: ScopeFacts, written: ScopeFacts = original): AreaComparison[] {
  const unsaid = (area: Area, list: unknown): unknown => {
    const keys = SAID_ONLY_BY_ORIGINAL[area];
    const said = written[area as (typeof AREAS)[number]];
    if (!keys || !Array.isArray(list) || !Array.isArray(said)) return list;
    return (list as Record<string, unknown>[]).map((item, i) =>
      Object.fromEntries(Object.entries(item).map(([k, v]) => [k, keys.includes(k) && (said[i] as Record<string, unknown> | undefined)?.[k] === undefined ? undefined : v])),
    );
  };
  return AREAS.map((area) => {
    const theirs = unsaid(area, original[area]);
    const mine = unsaid(area, ours[area]);
    return { area, agree: canonical(theirs) === canonical(mine), original: theirs, ours: mine };
  });
}

/** The areas a domain uses at all: a share per area counts only the domains that use it. */
export function exercisedAreas(xml: string): Set<(typeof AREAS)[number]> {
  const d = readDomainElement(xml) ?? emptyElement("domain");
  const tune = child(d, "cputune");
  const devices = child(d, "devices");
  const used = new Set<(typeof AREAS)[number]>(["vcpus", "memory", "chipset", "firmware"]);
  if (["vcpupin", "emulatorpin", "iothreadpin", "vcpusched"].some((n) => children(tune, n).length) || attr(child(d, "vcpu"), "cpuset") || child(d, "iothreads")) used.add("pinning");
  if (child(d, "cpu")) used.add("cpu");
  if (child(child(d, "memoryBacking"), "hugepages")) used.add("hugepages");
  if (child(child(d, "cpu"), "numa") || child(d, "numatune")) used.add("numa");
  if (children(devices, "disk").length) used.add("disks");
  if (children(devices, "interface").length) used.add("nics");
  if (children(devices, "hostdev").length) used.add("hostdevs");
  return used;
}
