/**
 * What to do with each create a killed `pulumi up` left pending. The engine records a create
 * before it asks the provider, and its result after; a run killed in between leaves a
 * "pending create" and, often, an object on the host that no state holds, which the next `up`
 * then fails to make again (`network '…' already exists`). Each pending create is looked up on
 * its host by its libvirt name:
 * - found, and importable (network, pool, domain): imported under the program's URN, by the
 *   UUID that provider v0.9.7 imports by;
 * - a volume found (the provider's, or virtkit's LUKS volume): provider v0.9.7 cannot import a volume (its import sets the id, its read
 *   looks the volume up by key), and a volume whose create never returned holds nothing anyone
 *   wrote (nothing that uses it was created after it), so it is deleted and `up` makes it again;
 *   unless the state holds a volume of that pool and name, which is never touched;
 * - not found, or of a kind that is not looked up: the pending create is cleared, and `up`
 *   makes it.
 * Pure: the lookups on the host are a function given to it.
 */

/** A resource as `pulumi stack export` writes it. */
export interface ExportedResource {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly parent?: string;
  readonly provider?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

/** The part of a `pulumi stack export` document recovery reads. */
export interface ExportedDeployment {
  readonly resources?: readonly ExportedResource[];
  readonly pending_operations?: readonly { readonly resource: ExportedResource; readonly type: string }[];
}

/** Which libvirt object a pending create would have made, to look up on its host. */
export type LibvirtObjectRef =
  | { readonly kind: "network" | "pool" | "domain"; readonly uri: string; readonly name: string }
  | { readonly kind: "volume"; readonly uri: string; readonly name: string; readonly pool: string };

export type RecoveryStep =
  /** `pulumi import` of the object by `id` (its UUID) under the pending create's URN, parent and provider. */
  | { readonly action: "import"; readonly urn: string; readonly type: string; readonly name: string; readonly id: string; readonly parent?: string; readonly provider?: string; readonly object: LibvirtObjectRef }
  /** `virsh vol-delete`: a volume whose create never returned. */
  | { readonly action: "deleteVolume"; readonly urn: string; readonly object: LibvirtObjectRef & { kind: "volume" } }
  /** Nothing on the host to keep: the pending create is cleared and `up` makes it. */
  | { readonly action: "clear"; readonly urn: string; readonly why: string };

const IMPORTABLE: Record<string, "network" | "pool" | "domain"> = {
  "libvirt:index/network:Network": "network",
  "libvirt:index/pool:Pool": "pool",
  "libvirt:index/domain:Domain": "domain",
};
const VOLUME = "libvirt:index/volume:Volume";
/** virtkit's LUKS volume: made with virsh by its own provider, named by its inputs' URI, pool and name. */
const LUKS_VOLUME = "pulumi-nodejs:dynamic/virtkit:LuksVolume";

/** A provider reference (`URN::ID`) → that provider's URI. */
export function providerUris(resources: readonly ExportedResource[]): Map<string, string> {
  return new Map(resources.filter((r) => r.type === "pulumi:providers:libvirt" && typeof r.inputs?.uri === "string").map((r) => [`${r.urn}::${r.id}`, r.inputs!.uri as string]));
}

/** The object a pending create stands for, or why it is not looked up. */
function objectOf(r: ExportedResource, uris: Map<string, string>): LibvirtObjectRef | string {
  const luks = r.type === LUKS_VOLUME;
  const uri = luks ? (typeof r.inputs?.uri === "string" ? r.inputs.uri : undefined) : r.provider ? uris.get(r.provider) : undefined;
  const name = r.inputs?.name;
  if (r.type !== VOLUME && !luks && !(r.type in IMPORTABLE)) return `a ${r.type} makes no libvirt object of its own: up makes it again`;
  if (!uri) return "its provider's URI is not in the state";
  if (typeof name !== "string") return "its libvirt name is not in its inputs";
  if (r.type !== VOLUME && !luks) return { kind: IMPORTABLE[r.type], uri, name };
  const pool = r.inputs?.pool;
  return typeof pool === "string" ? { kind: "volume", uri, name, pool } : "its pool is not in its inputs";
}

/** The recovery of every pending create of a deployment; `lookup` answers an object's UUID or key when the host has it. */
export function planRecovery(deployment: ExportedDeployment, lookup: (object: LibvirtObjectRef) => string | undefined): RecoveryStep[] {
  const resources = deployment.resources ?? [];
  const uris = providerUris(resources);
  const uriOf = (r: ExportedResource) => (r.type === LUKS_VOLUME ? String(r.outputs?.uri ?? r.inputs?.uri) : r.provider ? uris.get(r.provider) : undefined);
  const volumeKey = (uri: string | undefined, pool: unknown, name: unknown) => `${uri}|${String(pool)}|${String(name)}`;
  const recordedVolumes = new Set(resources.filter((r) => r.type === VOLUME || r.type === LUKS_VOLUME).map((r) => volumeKey(uriOf(r), r.outputs?.pool ?? r.inputs?.pool, r.outputs?.name ?? r.inputs?.name)));
  return (deployment.pending_operations ?? [])
    .filter((p) => p.type === "creating")
    .map(({ resource: r }): RecoveryStep => {
      const object = objectOf(r, uris);
      if (typeof object === "string") return { action: "clear", urn: r.urn, why: object };
      const id = lookup(object);
      if (id === undefined) return { action: "clear", urn: r.urn, why: `no ${object.kind} "${object.name}" on ${object.uri}: nothing was made` };
      if (object.kind !== "volume") return { action: "import", urn: r.urn, type: r.type, name: nameOf(r.urn), id, parent: r.parent, provider: r.provider, object };
      if (recordedVolumes.has(volumeKey(object.uri, object.pool, object.name))) return { action: "clear", urn: r.urn, why: `volume ${object.pool}/${object.name} is also held by the state: kept` };
      return { action: "deleteVolume", urn: r.urn, object };
    });
}

/** A URN's last part: the resource's name. */
export const nameOf = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

/** A provider reference `URN::ID` → its URN, as `pulumi import --provider` takes it. */
export const providerUrnOf = (reference: string): string => reference.slice(0, reference.lastIndexOf("::"));
