import { parseXml } from "../render/xml";
import { libvirtUnitBytes } from "../schema/units";

/** A domain XML element as fast-xml-parser reads it: attributes as `@_name`, text as `#text`. */
export type XmlNode = Record<string, unknown>;

/** Elements that may repeat in a domain, always read as lists. */
const REPEATED = [
  "vcpupin", "iothreadpin", "vcpusched", "iothreadsched", "memnode", "cell", "feature", "page", "disk", "interface",
  "hostdev", "controller", "input", "graphics", "video", "serial", "console", "channel", "sound", "audio", "memballoon",
  "rng", "watchdog", "tpm", "filesystem", "memory", "redirdev", "smartcard", "panic", "shmem", "iommu", "vsock", "boot",
  "sibling", "iothread", "vcpu", "emulator", "hub", "lease", "nvram", "tag",
];

/** Reads a domain XML document; the `<domain>` element, or undefined when there is none. */
export function readDomainElement(xml: string): XmlNode | undefined {
  const doc = parseXml(xml, REPEATED);
  const domain = doc.domain;
  return domain && typeof domain === "object" ? (domain as XmlNode) : undefined;
}

export const attr = (n: unknown, name: string): string | undefined => {
  const v = n && typeof n === "object" ? (n as XmlNode)[`@_${name}`] : undefined;
  return typeof v === "string" ? v : undefined;
};

export const text = (n: unknown): string | undefined => {
  if (typeof n === "string") return n.trim();
  const v = n && typeof n === "object" ? (n as XmlNode)["#text"] : undefined;
  return typeof v === "string" ? v.trim() : undefined;
};

/** A child element (the first one when it repeats). */
export const child = (n: unknown, name: string): XmlNode | undefined => {
  const v = n && typeof n === "object" ? (n as XmlNode)[name] : undefined;
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  // `<locked/>` reads as "", an element with only text as a string
  return typeof first === "object" && first !== null ? (first as XmlNode) : { "#text": first };
};

/** Every child element of that name. */
export const children = (n: unknown, name: string): XmlNode[] => {
  const v = n && typeof n === "object" ? (n as XmlNode)[name] : undefined;
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((e) => (typeof e === "object" && e !== null ? (e as XmlNode) : { "#text": e }));
};

/** Names of an element's child elements. */
export const childNames = (n: XmlNode | undefined): string[] => Object.keys(n ?? {}).filter((k) => !k.startsWith("@_") && k !== "#text");

/** Names of an element's attributes. */
export const attrNames = (n: XmlNode | undefined): string[] => Object.keys(n ?? {}).filter((k) => k.startsWith("@_")).map((k) => k.slice(2));

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
