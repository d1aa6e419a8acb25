/**
 * Helpers shared by the provider-argument renderers (domain, volume, network): the
 * arguments hold only what virtkit decided, so `pulumi preview` shows no empty parts.
 */

/** An element libvirt reads by its presence alone (`<apic/>`): kept by {@link compact} though it has no attributes. */
export const PRESENT: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Drops undefined values, empty lists and empty objects (but {@link PRESENT}), recursively
 * through plain objects and arrays; anything else (an Output) is a value and kept as it is.
 */
export function compact<T>(value: T): T {
  return compactValue(value) as T;
}

function compactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compactValue);
  if (value === PRESENT || !isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const c = compactValue(v);
    if (c === undefined) continue;
    if (Array.isArray(c) && c.length === 0) continue;
    if (c !== PRESENT && c && typeof c === "object" && !Array.isArray(c) && Object.keys(c).length === 0) continue;
    out[k] = c;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
