import { readFileSync } from "node:fs";
import type { StackLock } from "../../host/placementLock";
import { classifyDomainChange, classifyVolumeChange, inputDigest, type Change } from "../../render/changes";
import type { PlannedResource, ProgramPlan } from "./runProgram";

/** What a change does to one resource, for the report. */
export interface ResourceChange extends Change {
  /** `PinnedVm "db"`, `Qcow2Volume "db-root"`, or a provider resource: `libvirt:index/domain:Domain "db"`. */
  readonly resource: string;
}

const DOMAIN = "libvirt:index/domain:Domain";
const VOLUMES = new Set(["libvirt:index/volume:Volume", "pulumi-nodejs:dynamic/virtkit:LuksVolume"]);

/** Each VM and volume compared with the lock's section (what the last `virtkit plan` locked); locked ones the program dropped are deletions. */
export function changesSinceLock(plan: ProgramPlan, section: StackLock | undefined): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const vm of plan.vms) out.push({ resource: vm.component, ...(vm.change ?? classifyDomainChange(undefined, vm.digest)) });
  for (const v of plan.volumes) out.push({ resource: v.component, ...(v.change ?? classifyVolumeChange(undefined, v.digest, { protected: v.protected })) });
  const vms = new Set(plan.vms.map((vm) => `${vm.host}\u0000${vm.name}`));
  for (const [host, { vms: locked }] of Object.entries(section?.hosts ?? {})) {
    for (const [name, vm] of Object.entries(locked)) if (!vms.has(`${host}\u0000${name}`)) out.push({ resource: `PinnedVm "${name}"`, ...classifyDomainChange(vm.domain ?? {}, undefined) });
  }
  const volumes = new Set(plan.volumes.map((v) => v.name));
  for (const [name, v] of Object.entries(section?.volumes ?? {})) {
    if (!volumes.has(name)) out.push({ resource: `Qcow2Volume "${name}"`, ...classifyVolumeChange(v.digest, undefined, { protected: true }) });
  }
  return out;
}

/** A resource of a `pulumi stack export` document (deployment version 3). */
interface ExportedResource {
  readonly urn: string;
  readonly type: string;
  readonly inputs?: Record<string, unknown>;
  readonly protect?: boolean;
}

/** Reads a `pulumi stack export` file. @throws Error naming the file when it is not one */
export function readStackExport(file: string): ExportedResource[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`--against ${file}: ${(e as Error).message}`);
  }
  const resources = (doc as { deployment?: { resources?: unknown } } | null)?.deployment?.resources;
  if (!Array.isArray(resources)) throw new Error(`--against ${file}: not a \`pulumi stack export\` document (no deployment.resources)`);
  return resources.filter((r): r is ExportedResource => typeof r?.urn === "string" && typeof r?.type === "string");
}

/**
 * Each domain and volume the program registers compared with a stack export: what `pulumi up`
 * would do to what is deployed. Resources are matched by type and name (the URN's last part).
 */
export function changesAgainstExport(plan: ProgramPlan, exported: readonly ExportedResource[]): ResourceChange[] {
  const judged = (type: string) => type === DOMAIN || VOLUMES.has(type);
  const key = (type: string, name: string) => `${type}\u0000${name}`;
  const before = new Map(exported.filter((r) => judged(r.type)).map((r) => [key(r.type, r.urn.split("::").pop()!), r]));
  const out: ResourceChange[] = [];
  // a PinnedVm's Domain is named after the component
  const livePinned = new Set(plan.vms.filter((vm) => vm.livePinning).map((vm) => vm.name));
  const classify = (type: string, was: ExportedResource | undefined, now: PlannedResource | undefined): Change => {
    const b = was && inputDigest(was.inputs ?? {});
    const a = now && inputDigest(now.inputs);
    return type === DOMAIN ? classifyDomainChange(b, a, { livePinning: now !== undefined && livePinned.has(now.name) }) : classifyVolumeChange(b, a, { protected: was?.protect === true });
  };
  const seen = new Set<string>();
  for (const r of plan.resources.filter((x) => x.custom && judged(x.type))) {
    seen.add(key(r.type, r.name));
    out.push({ resource: `${r.type} "${r.name}"`, ...classify(r.type, before.get(key(r.type, r.name)), r) });
  }
  for (const [k, r] of before) {
    if (seen.has(k)) continue;
    const name = r.urn.split("::").pop()!;
    out.push({ resource: `${r.type} "${name}"`, ...classify(r.type, r, undefined) });
  }
  return out;
}
