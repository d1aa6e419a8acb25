import { createHash } from "node:crypto";

/**
 * What a change does to a running VM or a volume, as provider dmacvicar/libvirt v0.9.7 applies
 * it. Compared are digests of the provider resources' inputs: one entry per input field (a
 * short hash of a structure, a scalar as it is), so a digest can be
 * kept in the placement lock and made from a `pulumi stack export` alike.
 */

/**
 * Domain fields whose change replaces the domain: a new VM with a new UUID; its volumes stay.
 * These are the fields provider v0.9.7 itself requires replacement for (RequiresReplace in its
 * schema); any other change, the chipset and firmware included, it applies as an update, which
 * redefines the domain under its UUID (a real `up` shows it).
 */
export const DOMAIN_REPLACE_ON_CHANGES = ["name", "type"];

/** Domain fields libvirt can change on a running domain (`virsh vcpupin|emulatorpin|iothreadpin --live --config`). */
export const LIVE_PINNING_FIELDS = ["cpuTune.vcpuPins", "cpuTune.emulatorPin", "cpuTune.ioThreadPins"];

export type Digest = Record<string, string | number | boolean | null>;

export type ChangeClass = "create" | "unchanged" | "live" | "restart" | "next-start" | "replace-domain" | "grow-volume" | "replace-volume" | "delete";

/** What one change does. */
export interface Change {
  readonly class: ChangeClass;
  /** Input fields that differ, sorted (`cpuTune.vcpuPins`, `vcpu`, ...). */
  readonly fields: readonly string[];
  /** A volume replacement the engine refuses while the volume is protected. */
  readonly refused?: boolean;
  /** What it means for the VM or its data, in a sentence. */
  readonly effect: string;
}

export const CHANGE_EFFECTS: Record<ChangeClass, string> = {
  create: "created",
  unchanged: "unchanged",
  live: "applied live (virsh --live --config), no restart",
  restart: "restarts the VM: provider v0.9.7 stops a running domain, undefines, redefines and starts it on any update",
  "next-start": "applied at the next start: the domain is not running, the new definition waits for it",
  "replace-domain": "replaces the domain (a new VM; its volumes stay)",
  "grow-volume": "grows the volume in place (virsh vol-resize, or blockresize on the running domain): its data is kept",
  "replace-volume": "replaces the volume: its data is lost",
  delete: "deleted",
};

/**
 * The digest of a resource's provider inputs. `os` and `cpuTune` are split one level down so
 * a chipset or a pinning change is told from the rest; a disk's `encryption` is left out (it
 * names the LUKS volume's path, which follows the volume and is judged with it); inputs that
 * are engine internals (`__provider`) or secrets (a passphrase: encrypted in a stack export,
 * so it cannot be compared) are left out too.
 */
export function inputDigest(inputs: Record<string, unknown>): Digest {
  const out: Digest = {};
  for (const [key, value] of Object.entries(inputs)) {
    if (value === undefined || key.startsWith("__") || key === "passphrase") continue;
    if ((key === "os" || key === "cpuTune") && isPlainObject(value)) {
      for (const [sub, v] of Object.entries(value)) if (v !== undefined) out[`${key}.${sub}`] = kept(v);
    } else if (key === "devices" && isPlainObject(value)) {
      out.devices = hash({ ...value, disks: Array.isArray(value.disks) ? value.disks.map((d) => (isPlainObject(d) ? { ...d, encryption: undefined } : d)) : value.disks });
    } else out[key] = kept(value);
  }
  return out;
}

/** A scalar as it is (readable in the lock and in messages), a structure as a short hash. */
function kept(value: unknown): string | number | boolean | null {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) return value;
  return hash(value);
}

function hash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
}

/** JSON with sorted keys and no undefined members: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function changedFields(before: Digest, after: Digest): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}

const change = (cls: ChangeClass, fields: readonly string[] = [], refused?: boolean): Change => ({
  class: cls,
  fields,
  effect: !refused
    ? CHANGE_EFFECTS[cls]
    : cls === "delete"
      ? "deletes the volume and its data; refused while the volume is protected"
      : `${CHANGE_EFFECTS[cls]}; refused while the volume is protected (allowReplace: true accepts the loss)`,
  ...(refused !== undefined ? { refused } : {}),
});

/**
 * What changing a domain from `before` to `after` does. A replaceOnChanges field replaces it;
 * any other change is an update, which provider v0.9.7 applies by stopping a running domain,
 * redefining and starting it (a restart), or, for a domain that is not running, leaves for its
 * next start. Only with `livePinning` (virtkit applies pinning with virsh, live) is a change of
 * the pinning alone applied live.
 */
export function classifyDomainChange(before: Digest | undefined, after: Digest | undefined, options: { livePinning?: boolean } = {}): Change {
  if (!before && !after) return change("unchanged");
  if (!before) return change("create");
  if (!after) return change("delete");
  const fields = changedFields(before, after);
  if (fields.length === 0) return change("unchanged");
  if (fields.some((f) => DOMAIN_REPLACE_ON_CHANGES.includes(f))) return change("replace-domain", fields);
  if (options.livePinning && fields.every((f) => LIVE_PINNING_FIELDS.includes(f))) return change("live", fields);
  if (before.running === false && after.running === false) return change("next-start", fields);
  return change("restart", fields);
}

/**
 * What changing a volume does: provider v0.9.7 cannot update a volume in place (upstream
 * #1325), so any change replaces it and loses its data; a protected volume's replacement is
 * refused by the engine. With `growsInPlace` (a Qcow2Volume: VolumeCapacity grows a plain one,
 * LuksVolume an encrypted one) a larger capacity is grown in place by virtkit and a smaller
 * one refused.
 */
export function classifyVolumeChange(before: Digest | undefined, after: Digest | undefined, options: { protected: boolean; growsInPlace?: boolean }): Change {
  if (!before && !after) return change("unchanged");
  if (!before) return change("create");
  if (!after) return change("delete", [], options.protected || undefined);
  const fields = changedFields(before, after);
  if (fields.length === 0) return change("unchanged");
  // virtkit grows a Qcow2Volume itself instead of letting the provider replace it; a shrink is refused
  if (options.growsInPlace && fields.length === 1 && fields[0] === "capacity" && typeof before.capacity === "number" && typeof after.capacity === "number") {
    if (after.capacity > before.capacity) return change("grow-volume", fields);
    return { class: "replace-volume", fields, refused: true, effect: "a shrink: refused (virtkit grows volumes, never shrinks them)" };
  }
  return change("replace-volume", fields, options.protected);
}

/** One line for a change: `restarts the VM: ... (changed: vcpu, cpuTune.vcpuPins)`. */
export function describeChange(c: Change): string {
  return `${c.effect}${c.fields.length ? ` (changed: ${c.fields.join(", ")})` : ""}`;
}
