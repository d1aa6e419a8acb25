import { formatPciAddress, pciNodedevName, type PciAddress } from "../schema/pci";
import { attr, child, children, text, type XmlNode } from "../xml/xmlReader";
import { HostModelError, integer, parseCapabilities, parseXmlRoot } from "./capabilities";
import type { HostModel, HostPciDevice } from "./model";

/** Sort key of a PCI address: domain, bus, slot, function. */
export function pciAddressKey(a: PciAddress): number {
  return ((a.domain * 256 + a.bus) * 32 + a.slot) * 8 + a.function;
}

function byAddress(a: { address: PciAddress }, b: { address: PciAddress }): number {
  return pciAddressKey(a.address) - pciAddressKey(b.address);
}

/** `<address domain='0x0000' bus='0x3b' slot='0x02' function='0x1'/>` as found under virt_functions and friends. */
function addressElement(el: XmlNode, where: string): PciAddress {
  const part = (name: string, max: number): number => {
    const v = integer(attr(el, name), `${where} address ${name}`);
    if (v === undefined || v < 0 || v > max) throw new HostModelError(`${where}: address has no valid ${name}`);
    return v;
  };
  return { domain: part("domain", 0xffff), bus: part("bus", 0xff), slot: part("slot", 0x1f), function: part("function", 7) };
}

interface NetChild {
  readonly parent: string;
  readonly netdev: string;
}

/**
 * Parses `virsh nodedev-dumpxml` documents into the host's PCI devices, sorted by address.
 *
 * Reads from each `<capability type='pci'>`: domain/bus/slot/function, `<numa node>`,
 * `<iommuGroup number>`, vendor and product names, `<capability type='virt_functions'
 * maxCount>` (an SR-IOV PF's VF addresses) and `<capability type='phys_function'>` (a
 * VF's PF). Interface names come from `<capability type='net'>` documents whose
 * `<parent>` is the PCI device, since the PCI document itself does not carry them.
 * Other device kinds (USB, storage, ...) are accepted and ignored.
 * @throws HostModelError for a document that is not nodedev XML, or a PCI device given twice
 */
export function parseNodedevs(xmls: readonly string[]): HostPciDevice[] {
  const pci = new Map<string, Omit<HostPciDevice, "netdevs">>();
  const nets: NetChild[] = [];
  xmls.forEach((xml, i) => {
    try {
      readNodedev(xml, i, pci, nets);
    } catch (e) {
      throw e instanceof HostModelError ? e.in("devices", i) : e;
    }
  });
  const devices = [...pci.values()].map((d): HostPciDevice => ({
    ...d,
    netdevs: nets.filter((n) => n.parent === d.name).map((n) => n.netdev).sort(),
  }));
  return devices.sort(byAddress);
}

function pciCapability(name: string, cap: XmlNode, where: string): Omit<HostPciDevice, "netdevs"> {
  const field = (tag: string, max: number): number => {
    const v = integer(text(child(cap, tag)), `${where} <${tag}>`);
    if (v === undefined || v < 0 || v > max) throw new HostModelError(`${where}: <capability type='pci'> has no valid <${tag}>`);
    return v;
  };
  const address: PciAddress = {
    domain: field("domain", 0xffff),
    bus: field("bus", 0xff),
    slot: field("slot", 0x1f),
    function: field("function", 7),
  };
  const numa = integer(attr(child(cap, "numa"), "node"), `${where} <numa node>`);
  let sriov: HostPciDevice["sriov"];
  let physicalFunction: PciAddress | undefined;
  for (const sub of children(cap, "capability")) {
    const type = attr(sub, "type");
    if (type === "virt_functions") {
      const virtualFunctions = children(sub, "address")
        .map((a) => ({ address: addressElement(a, `${where} virt_functions`) }))
        .sort(byAddress)
        .map((a) => a.address);
      const maxCount = integer(attr(sub, "maxCount"), `${where} virt_functions maxCount`) ?? virtualFunctions.length;
      sriov = { virtualFunctions, maxCount };
    } else if (type === "phys_function") {
      const a = child(sub, "address");
      if (a) physicalFunction = addressElement(a, `${where} phys_function`);
    }
  }
  const vendorEl = child(cap, "vendor");
  const productEl = child(cap, "product");
  return {
    address,
    name: name || pciNodedevName(address),
    // libvirt omits <numa> when the kernel reports -1 (no affinity); keep that distinct from node 0.
    node: numa !== undefined && numa >= 0 ? numa : undefined,
    iommuGroup: integer(attr(child(cap, "iommuGroup"), "number"), `${where} <iommuGroup number>`),
    ...(sriov ? { sriov } : {}),
    ...(physicalFunction ? { physicalFunction } : {}),
    ...optional("vendor", text(vendorEl) || attr(vendorEl, "id")),
    ...optional("product", text(productEl) || attr(productEl, "id")),
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/** Reads nodedev document `i` into the PCI devices and net children found so far. */
function readNodedev(xml: string, i: number, pci: Map<string, Omit<HostPciDevice, "netdevs">>, nets: NetChild[]): void {
  const root = parseXmlRoot(xml, "device", `nodedev document ${i}`);
  const name = text(child(root, "name"));
  if (!name) throw new HostModelError(`nodedev document ${i} has no <name>`);
  const where = `nodedev ${name}`;
  for (const cap of children(root, "capability")) {
    const type = attr(cap, "type");
    if (type === "pci") {
      const device = pciCapability(name, cap, where);
      const key = formatPciAddress(device.address);
      if (pci.has(key)) throw new HostModelError(`PCI device ${key} is described by two nodedev documents`);
      pci.set(key, device);
    } else if (type === "net") {
      const parent = text(child(root, "parent"));
      const netdev = text(child(cap, "interface"));
      if (parent && netdev) nets.push({ parent, netdev });
    }
  }
}

/**
 * The full host model: CPUs and NUMA nodes from `virsh capabilities`, PCI devices (SR-IOV
 * PFs and VFs with their netdev names, GPUs, ...) from `virsh nodedev-dumpxml` documents.
 * It lives here rather than in `capabilities.ts` because it is the step that adds devices.
 * @param capabilitiesXml output of `virsh capabilities`
 * @param nodedevXmls outputs of `virsh nodedev-dumpxml NAME`, one document each, in any order;
 *   include the `net_*` children of NICs to know their interface names
 * @throws HostModelError for documents of the wrong kind, or devices on NUMA nodes the host does not have
 */
export function buildHostModel(capabilitiesXml: string, nodedevXmls: readonly string[] = []): HostModel {
  const host = parseCapabilities(capabilitiesXml);
  const pciDevices = parseNodedevs(nodedevXmls);
  const nodeIds = new Set(host.nodes.map((n) => n.id));
  for (const d of pciDevices) {
    if (d.node !== undefined && !nodeIds.has(d.node)) {
      throw new HostModelError(
        `nodedev ${d.name} is on NUMA node ${d.node}, but the capabilities list nodes ` +
          `${[...nodeIds].join(",")}; are the documents from the same host?`,
        "devices",
      );
    }
  }
  return { ...host, pciDevices };
}
