/** PCI addresses in the host's notation: `DDDD:BB:SS.F` (domain optional: `BB:SS.F`). */

export interface PciAddress {
  /** PCI domain (segment), 0..0xffff. */
  readonly domain: number;
  /** Bus, 0..0xff. */
  readonly bus: number;
  /** Slot (device), 0..0x1f. */
  readonly slot: number;
  /** Function, 0..7. */
  readonly function: number;
}

export class PciAddressSyntaxError extends Error {}

const ADDRESS = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

export function parsePciAddress(text: string): PciAddress {
  const m = ADDRESS.exec(text.trim());
  if (!m) {
    throw new PciAddressSyntaxError(`"${text}" is not a PCI address; expected DDDD:BB:SS.F, e.g. "0000:3b:02.1"`);
  }
  const slot = parseInt(m[3], 16);
  if (slot > 0x1f) throw new PciAddressSyntaxError(`"${text}": slot 0x${m[3]} is above 0x1f`);
  return { domain: m[1] ? parseInt(m[1], 16) : 0, bus: parseInt(m[2], 16), slot, function: Number(m[4]) };
}

/** `n` in lower-case hex, zero-padded to `width` digits. */
export const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** Canonical form, as `lspci -D` and `virsh nodedev-list` show it: `0000:3b:02.1`. */
export function formatPciAddress(a: PciAddress): string {
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${a.function}`;
}

/** libvirt's nodedev name for a PCI device: `pci_0000_3b_02_1`. */
export function pciNodedevName(a: PciAddress): string {
  return `pci_${hex(a.domain, 4)}_${hex(a.bus, 2)}_${hex(a.slot, 2)}_${a.function}`;
}

export function samePciAddress(a: PciAddress, b: PciAddress): boolean {
  return a.domain === b.domain && a.bus === b.bus && a.slot === b.slot && a.function === b.function;
}
