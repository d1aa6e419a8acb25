import { libvirtUnitBytes } from "../schema/units";
import { attr, readXml, XmlReadError, type XmlNode } from "../xml/xmlReader";

/** What is no KVM/QEMU x86_64 domain at all, or no XML virtkit reads (a DOCTYPE, not well-formed). */
export class DomainImportError extends Error {}

/**
 * Reads a domain XML document; the `<domain>` element, or undefined when the document is
 * empty or its root is another element.
 * @throws DomainImportError for a document that is not well-formed or declares a DOCTYPE or entities
 */
export function readDomainElement(xml: string): XmlNode | undefined {
  if (xml.trim() === "") return undefined;
  let root: XmlNode;
  try {
    root = readXml(xml, "the domain XML");
  } catch (e) {
    throw e instanceof XmlReadError ? new DomainImportError(e.message) : e;
  }
  return root.name === "domain" ? root : undefined;
}

/** A libvirt size (`<memory unit='KiB'>`, a cell's `memory` and `unit`) in bytes; KiB when no unit is given, as libvirt reads it. */
export function bytesOf(value: string | undefined, unit: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const factor = libvirtUnitBytes(unit ?? "KiB");
  return factor === undefined ? undefined : Number(value) * factor;
}

/** A PCI address element (`domain`, `bus`, `slot`, `function` in hex) as `dddd:bb:ss.f`. */
export function pciAddressText(a: XmlNode | undefined): string | undefined {
  if (!a) return undefined;
  const part = (name: string, width: number, fallback?: string) => {
    const v = attr(a, name) ?? fallback;
    if (v === undefined) return undefined;
    const n = Number.parseInt(v.replace(/^0x/i, ""), v.toLowerCase().startsWith("0x") ? 16 : 10);
    return Number.isInteger(n) ? n.toString(16).padStart(width, "0") : undefined;
  };
  const [d, b, s, f] = [part("domain", 4, "0"), part("bus", 2), part("slot", 2), part("function", 1, "0")];
  return d && b && s && f ? `${d}:${b}:${s}.${f}` : undefined;
}
