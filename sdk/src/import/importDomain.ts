import { VmSpec, type VmSpecInput } from "../schema/vm";
import { toIssues } from "../schema/validate";
import { formatSize, parseSize } from "../schema/units";
import { formatCpuset, parseCpuset } from "../schema/cpuset";
import { PAGE_SIZES } from "../schema/memory";
import type { ValidationIssue } from "../errors";
import { ImportNotes, type Changed, type NotImported } from "./notes";
import { readCpu, readIothreads, readMemory, readNumatune, readPinning, readVcpus, sizeText } from "./readCompute";
import { noteOtherDevices, readCdroms, readDisks, readGuestAccess, readHostdevs, readNics } from "./readDevices";
import { attr, attrNames, child, childNames, children, text, type XmlNode } from "../xml/xmlReader";
import { DomainImportError, readDomainElement } from "./domainElement";

/** One libvirt domain said in virtkit's vocabulary. */
export interface ImportedVm {
  /** The libvirt domain name. */
  readonly domainName: string;
  /** The domain's UUID: the provider's import id, so `pulumi up` adopts the domain. */
  readonly uuid?: string;
  /** The VM spec (what PinnedVm is given, with plain memory, disks, NICs and devices). */
  readonly spec: VmSpecInput;
  /** The memory as HugepageMemory arguments, when a HugepageMemory can say it (one page size for the whole guest). */
  readonly hugepageMemory?: { size: string | number; pageSize: "2MiB" | "1GiB"; locked?: boolean; shared?: boolean };
  /** What virtkit cannot say yet: in a comment at the VM, and counted. */
  readonly notImported: readonly NotImported[];
  /** What the domain left to libvirt that virtkit sets, or says in other words. */
  readonly changed: readonly Changed[];
  /** What virtkit refuses in the spec as imported (it would fail at `virtkit plan`), empty when it is valid. */
  readonly invalid: readonly ValidationIssue[];
}

export { DomainImportError };

const DOMAIN_CHILDREN_READ = new Set([
  "name", "uuid", "memory", "currentMemory", "maxMemory", "memoryBacking", "vcpu", "vcpus", "iothreads", "iothreadids",
  "cputune", "numatune", "os", "cpu", "devices", "features", "clock", "on_poweroff", "on_reboot", "on_crash", "defaultiothread",
]);
// a Map: an element named `constructor` is no lifecycle event
const LIFECYCLE_DEFAULTS: ReadonlyMap<string, string> = new Map([["on_poweroff", "destroy"], ["on_reboot", "restart"], ["on_crash", "destroy"]]);

/**
 * Reads one domain's XML (a file, or `virsh dumpxml`) into a virtkit VM. Throws
 * DomainImportError for what is no KVM/QEMU x86_64 guest at all; everything else that
 * virtkit cannot say is listed in `notImported`.
 */
export function importDomain(xml: string, options: { running?: boolean } = {}): ImportedVm {
  const d = readDomainElement(xml);
  if (!d) throw new DomainImportError("not a libvirt domain: no <domain> element");
  const name = text(child(d, "name"));
  if (!name) throw new DomainImportError("the domain has no <name>");
  const type = attr(d, "type");
  if (type !== "kvm" && type !== "qemu") throw new DomainImportError(`domain "${name}": type '${type}' is not a QEMU/KVM domain`);
  const os = child(d, "os");
  const arch = attr(child(os, "type"), "arch") ?? "x86_64";
  if (arch !== "x86_64") throw new DomainImportError(`domain "${name}": arch '${arch}': virtkit's guests are x86_64`);
  const notes = new ImportNotes();

  const { vcpus, cpuset } = readVcpus(d, notes);
  const iothreads = readIothreads(d, notes);
  const { cpu, cells } = readCpu(d, notes);
  const memory = readMemory(d, notes);
  const numatune = readNumatune(d, notes);
  asLibvirtReadsCells(vcpus, memory, cells ?? [], notes);
  const devices = child(d, "devices");
  const cdroms = readCdroms(devices, notes);
  const spec: VmSpecInput = {
    name,
    domainType: type,
    vcpus,
    cpu,
    ...readPinning(d, vcpus, cpuset, iothreads, notes),
    // explicit, 0 included: a pinned VM's default would add one
    iothreads,
    memory,
    ...(cells?.length || Object.keys(numatune).length ? { numa: { ...(cells?.length ? { cells } : {}), ...numatune } } : {}),
    disks: readDisks(devices, notes),
    nics: readNics(devices, notes),
    hostdevs: readHostdevs(devices, notes),
    ...(cdroms.length ? { cdroms } : {}),
    ...readGuestAccess(devices, notes),
    chipset: readChipset(os, notes),
    firmware: readFirmware(os, notes),
    ...readBoot(os, notes),
    ...(options.running !== undefined ? { running: options.running } : {}),
  };
  noteOtherDevices(devices, notes);
  noteDomainRest(d, os, notes);
  const parsed = VmSpec.safeParse(spec);
  return {
    domainName: name,
    uuid: text(child(d, "uuid")),
    spec,
    hugepageMemory: asHugepageMemory(memory),
    notImported: notes.notImported,
    changed: notes.changed,
    invalid: parsed.success ? [] : toIssues(parsed.error),
  };
}

/** `pc`/`pc-i440fx-*` is i440fx, `q35`/`pc-q35-*` q35; a versioned machine type is said by its family. */
function readChipset(os: XmlNode | undefined, notes: ImportNotes): "q35" | "i440fx" {
  const machine = attr(child(os, "type"), "machine") ?? "pc";
  if (machine === "q35") return "q35";
  if (machine === "pc") return "i440fx";
  if (/^pc-q35-/.test(machine)) {
    notes.change("chipset", "os/type@machine", `'${machine}': virtkit writes "q35", which libvirt expands to the newest q35 its QEMU has`);
    return "q35";
  }
  if (/^pc-i440fx-|^pc-\d/.test(machine)) {
    notes.change("chipset", "os/type@machine", `'${machine}': virtkit writes "pc", which libvirt expands to the newest i440fx its QEMU has`);
    return "i440fx";
  }
  notes.lost("chipset", "os/type@machine", `'${machine}' is neither q35 nor i440fx`);
  return "q35";
}

/** The `<os>` children of a direct kernel boot, read by readBoot. */
const DIRECT_BOOT = new Set(["kernel", "initrd", "cmdline"]);

/**
 * `<os><kernel>/<initrd>/<cmdline>`: direct kernel boot, said as `boot`. Only with a kernel
 * (an initrd or command line alone boots nothing and libvirt ignores it); a device tree
 * (`<dtb>`) is not in virtkit's API, and noteDomainRest lists it.
 */
function readBoot(os: XmlNode | undefined, notes: ImportNotes): Pick<VmSpecInput, "boot"> {
  const [kernel, initrd, cmdline] = ["kernel", "initrd", "cmdline"].map((n) => text(child(os, n)));
  if (!kernel) {
    for (const [n, v] of [["initrd", initrd], ["cmdline", cmdline]] as const) if (v) notes.lost("other", `os/${n}`, "without a kernel, libvirt boots from the disks and ignores it");
    return {};
  }
  return { boot: { kernel, ...(initrd ? { initrd } : {}), ...(cmdline ? { cmdline } : {}) } };
}

/** `<os firmware='efi'>` or an EFI loader is efi; nothing is bios. */
function readFirmware(os: XmlNode | undefined, notes: ImportNotes): "bios" | "efi" {
  const loader = child(os, "loader");
  if (attr(os, "firmware") === "efi") {
    if (loader || child(os, "nvram")) notes.change("firmware", "os/loader", "libvirt picks the EFI loader and NVRAM template for firmware='efi'");
    return "efi";
  }
  if (loader) {
    const efi = attr(loader, "type") === "pflash" || /OVMF|edk2|efi/i.test(text(loader) ?? "");
    notes.lost("firmware", "os/loader", efi ? `'${text(loader)}': virtkit asks for firmware='efi' and lets libvirt pick the loader` : "a custom BIOS is not in virtkit's API");
    return efi ? "efi" : "bios";
  }
  return "bios";
}

function noteDomainRest(d: XmlNode, os: XmlNode | undefined, notes: ImportNotes): void {
  for (const name of childNames(d)) {
    const lifecycleDefault = LIFECYCLE_DEFAULTS.get(name);
    if (lifecycleDefault !== undefined) {
      const value = text(child(d, name));
      if (value !== lifecycleDefault) notes.lost("other", name, `'${value}': virtkit keeps libvirt's default '${lifecycleDefault}'`);
    } else if (!DOMAIN_CHILDREN_READ.has(name)) {
      notes.lost("other", name, "not in virtkit's API");
    }
  }
  for (const name of childNames(os)) {
    if (name === "type" || name === "loader" || name === "nvram" || DIRECT_BOOT.has(name)) continue;
    if (name === "boot" && children(os, "boot").every((b) => attr(b, "dev") === "hd")) continue;
    notes.lost("other", `os/${name}`, name === "boot" ? "virtkit boots from the first disk" : "not in virtkit's API");
  }
  const features = child(d, "features");
  const featureNames = childNames(features);
  for (const f of featureNames) if (f !== "acpi" && f !== "apic") notes.lost("other", `features/${f}`, "not in virtkit's API");
  const missing = ["acpi", "apic"].filter((f) => !featureNames.includes(f));
  if (missing.length) notes.change("other", "features", `virtkit turns on ${missing.join(" and ")}`);
  const clock = child(d, "clock");
  if (clock && (attr(clock, "offset") !== "utc" || childNames(clock).length || attrNames(clock).length > 1)) notes.lost("other", "clock", "virtkit's guest clock is UTC with QEMU's default timers");
}

/** HugepageMemory says one page size for the whole guest, locked or not, shared through memfd or private. */
function asHugepageMemory(m: VmSpecInput["memory"]): ImportedVm["hugepageMemory"] {
  const hp = m.hugepages;
  if (!hp || hp.guestNodes !== undefined || m.nosharepages) return undefined;
  const shared = m.access === "shared" && m.source === "memfd";
  if (!shared && (m.access !== undefined || m.source !== undefined)) return undefined;
  let bytes: number;
  try {
    bytes = parseSize(m.size);
  } catch {
    return undefined;
  }
  if (bytes % PAGE_SIZES[hp.pageSize] !== 0) return undefined;
  return { size: m.size, pageSize: hp.pageSize, ...(m.locked ? { locked: true } : {}), ...(shared ? { shared: true } : {}) };
}

/**
 * libvirt's own reading of guest NUMA cells, which `virsh dumpxml` shows: a guest with cells
 * has the memory of its cells (whatever `<memory>` says), and vCPUs no cell lists are in cell 0.
 */
function asLibvirtReadsCells(vcpus: number, memory: VmSpecInput["memory"], cells: NonNullable<NonNullable<VmSpecInput["numa"]>["cells"]>, notes: ImportNotes): void {
  if (!cells.length) return;
  let total = 0;
  try {
    total = cells.reduce((sum, c) => sum + parseSize(c.memory), 0);
  } catch {
    return;
  }
  const size = (() => { try { return parseSize(memory.size); } catch { return undefined; } })();
  if (size !== undefined && size !== total) {
    notes.lost("memory", "memory", `${formatSize(size)}, but the NUMA cells add up to ${formatSize(total)}, which is what QEMU gives the guest: virtkit's memory size is the sum of the cells`);
    memory.size = sizeText(total);
  }
  const listed = new Set(cells.flatMap((c) => { try { return parseCpuset(String(c.cpus)); } catch { return []; } }));
  const unlisted = [...Array(vcpus).keys()].filter((v) => !listed.has(v));
  if (unlisted.length && vcpus <= 4096) {
    notes.change("numa", "cpu/numa/cell[0]@cpus", `vCPU ${formatCpuset(unlisted)} in no cell: libvirt puts them in cell 0, and so does virtkit`);
    const first = (() => { try { return parseCpuset(String(cells[0].cpus)); } catch { return []; } })();
    cells[0] = { ...cells[0], cpus: formatCpuset([...first, ...unlisted]) };
  }
}
