/** Sizes: a number of bytes, or a string with an IEC unit ("512MiB", "1GiB", "4096KiB", "2048B"). */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

const UNITS: Record<string, number> = { B: 1, KiB, MiB, GiB, TiB };
const SIZE = /^(\d+)\s*(B|KiB|MiB|GiB|TiB)$/;

export class SizeSyntaxError extends Error {}

/**
 * libvirt's scaled-integer units (formatdomain "memory"), lower-cased: single letters and IEC
 * names are powers of 1024, the "B"-suffixed SI names powers of 1000. A Map, so a unit named
 * like an `Object.prototype` member (`constructor`) is no unit rather than a function.
 */
const LIBVIRT_UNIT_BYTES: ReadonlyMap<string, number> = new Map([
  ["b", 1], ["bytes", 1],
  ["k", KiB], ["kib", KiB], ["kb", 1000],
  ["m", MiB], ["mib", MiB], ["mb", 1000 ** 2],
  ["g", GiB], ["gib", GiB], ["gb", 1000 ** 3],
  ["t", TiB], ["tib", TiB], ["tb", 1000 ** 4],
]);

/** Bytes in one `unit` as libvirt reads it (case-insensitive: `KiB`, `k`, `MB`, ...); undefined for no unit libvirt knows. */
export function libvirtUnitBytes(unit: string): number | undefined {
  return LIBVIRT_UNIT_BYTES.get(unit.toLowerCase());
}

/**
 * Parses a size into bytes. Numbers are bytes; strings need an IEC unit, since
 * "1G" or "1GB" would be ambiguous (libvirt itself reads "G" as GiB but "GB" as 10^9).
 */
export function parseSize(value: number | string): number {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new SizeSyntaxError(`${value} is not a whole number of bytes`);
    if (value <= 0) throw new SizeSyntaxError(`${value} bytes is not a positive size`);
    return value;
  }
  const m = SIZE.exec(value.trim());
  if (!m) {
    if (/^-/.test(value.trim())) throw new SizeSyntaxError(`"${value}" is negative; sizes must be positive`);
    throw new SizeSyntaxError(
      `"${value}" is not a size; use bytes or an integer with an IEC unit (B, KiB, MiB, GiB, TiB), e.g. "512MiB"`,
    );
  }
  const bytes = Number(m[1]) * UNITS[m[2]];
  if (!Number.isSafeInteger(bytes)) throw new SizeSyntaxError(`"${value}" is too large`);
  if (bytes === 0) throw new SizeSyntaxError(`"${value}" is not a positive size`);
  return bytes;
}

/** Formats bytes with the largest IEC unit that divides them exactly ("1536MiB", "2GiB"). */
export function formatSize(bytes: number): string {
  for (const unit of ["TiB", "GiB", "MiB", "KiB"] as const) {
    if (bytes >= UNITS[unit] && bytes % UNITS[unit] === 0) return `${bytes / UNITS[unit]}${unit}`;
  }
  return `${bytes}B`;
}
