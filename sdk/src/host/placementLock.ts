import { z } from "zod";
import { formatCpuset } from "../schema/cpuset";
import { formatPciAddress, parsePciAddress, PciAddressSyntaxError } from "../schema/pci";
import type { Placement, VmDemand } from "./demand";

/**
 * The placement lock (`virtkit.lock.json`), like package-lock.json: what each VM got on its
 * host in an earlier run (host CPUs, nodes, pages, VFs, devices), so later runs keep it
 * whatever the order of declarations. One section per stack. Pure: parsing, checking and
 * printing; reading and writing the file is the program layer's and the CLI's.
 */

export const LOCK_FILE_NAME = "virtkit.lock.json";
export const LOCKFILE_VERSION = 1;

const Id = z.number().int().nonnegative();
const Cpus = z.array(Id);
const Pci = z.string().refine(
  (s) => {
    try {
      return formatPciAddress(parsePciAddress(s)) === s;
    } catch (e) {
      if (e instanceof PciAddressSyntaxError) return false;
      throw e;
    }
  },
  { message: 'expected a PCI address as DDDD:BB:SS.F, e.g. "0000:3b:02.1"' },
);

const LockedPlacementSchema = z.strictObject({
  vcpus: z.array(z.strictObject({ vcpu: Id, hostCpus: Cpus.min(1), node: Id })).min(1),
  emulator: Cpus,
  iothreads: z.array(z.strictObject({ id: z.number().int().positive(), hostCpus: Cpus })),
  memory: z.array(z.strictObject({ node: Id, bytes: z.number().int().positive(), pageSizeBytes: z.number().int().positive().optional(), pages: z.number().int().positive().optional() })),
  guestCells: z.array(z.strictObject({ cell: Id, hostNode: Id })),
  devices: z.array(z.strictObject({ path: z.string().min(1), address: Pci, node: Id.optional(), pf: z.string().optional() })),
  nodes: Cpus,
});

/** What a VM asked for when it was placed: a different request means the locked placement may no longer fit. */
const LockedRequestSchema = z.strictObject({
  vcpus: z.number().int().positive(),
  threadsPerCore: z.number().int().positive(),
  pinning: z.enum(["auto", "explicit"]),
  iothreads: Id,
  emulator: z.enum(["housekeeping", "dedicated"]),
  numa: z.enum(["local", "spread"]),
  guestCells: z.array(z.strictObject({ vcpus: z.string(), memoryBytes: Id, hostNodes: z.string().optional() })),
  memory: z.strictObject({ bytes: Id, pageSizeBytes: z.number().int().positive().optional(), hostNodes: z.string().optional() }),
  devices: z.array(z.strictObject({ path: z.string(), kind: z.enum(["vf", "pci"]), pf: z.string().optional(), address: Pci.optional() })),
});

/** A resource's digest: each top-level input as a short hash or, for fields whose change decides the class, its value. */
const DigestSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const LockedVmSchema = z.strictObject({
  request: LockedRequestSchema,
  placement: LockedPlacementSchema,
  /** The domain as last planned, to say what a change does to it. */
  domain: DigestSchema.optional(),
});

const LockedVolumeSchema = z.strictObject({ host: z.string(), digest: DigestSchema });

const StackLockSchema = z.strictObject({
  hosts: z.record(z.string(), z.strictObject({ vms: z.record(z.string(), LockedVmSchema) })),
  volumes: z.record(z.string(), LockedVolumeSchema).default({}),
});

const LockFileSchema = z.strictObject({
  lockfileVersion: z.literal(LOCKFILE_VERSION),
  stacks: z.record(z.string(), StackLockSchema),
});

export type LockedPlacement = z.infer<typeof LockedPlacementSchema>;
export type LockedRequest = z.infer<typeof LockedRequestSchema>;
export type LockedVm = z.infer<typeof LockedVmSchema>;
export type LockedVolume = z.infer<typeof LockedVolumeSchema>;
export type Digest = z.infer<typeof DigestSchema>;
export type StackLock = z.infer<typeof StackLockSchema>;
export type LockFile = z.infer<typeof LockFileSchema>;

/** A lock file virtkit cannot use: which file, which entry (a dotted path into it) and why. Never "repaired" silently. */
export class LockFileError extends Error {
  constructor(
    readonly file: string,
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`${file}${entry ? `: ${entry}` : ""}: ${reason}; fix the entry or delete it (virtkit plan then places that VM afresh and writes it again)`);
    this.name = "LockFileError";
  }
}

export const emptyLock = (): LockFile => ({ lockfileVersion: LOCKFILE_VERSION, stacks: {} });

/**
 * Parses and checks a lock file's text: its shape, and that no two VMs of a host hold one
 * host CPU or device, and that each placement matches its own request.
 * @throws LockFileError naming `file` and the first bad entry
 */
export function parseLockFile(text: string, file: string): LockFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LockFileError(file, "", `is not JSON (${(e as Error).message})`);
  }
  const parsed = LockFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LockFileError(file, entryPath(issue.path), issue.message);
  }
  for (const [stack, section] of Object.entries(parsed.data.stacks)) {
    for (const [host, { vms }] of Object.entries(section.hosts)) checkHost(file, `stacks.${stack}.hosts.${host}.vms`, vms);
  }
  return parsed.data;
}

function checkHost(file: string, at: string, vms: Record<string, LockedVm>): void {
  const cpuOwner = new Map<number, string>();
  const deviceOwner = new Map<string, string>();
  for (const [name, vm] of Object.entries(vms)) {
    const entry = `${at}.${name}`;
    const p = vm.placement;
    if (p.vcpus.length !== vm.request.vcpus || p.vcpus.some((v, i) => v.vcpu !== i)) {
      throw new LockFileError(file, `${entry}.placement.vcpus`, `lists vCPUs ${p.vcpus.map((v) => v.vcpu).join(",")}, but the request has ${vm.request.vcpus} (0 to ${vm.request.vcpus - 1})`);
    }
    // housekeeping CPUs are shared; what a vCPU holds is its own
    for (const c of p.vcpus.flatMap((v) => v.hostCpus)) {
      const other = cpuOwner.get(c);
      if (other && other !== name) throw new LockFileError(file, `${entry}.placement.vcpus`, `host CPU ${c} is also locked for VM "${other}"`);
      cpuOwner.set(c, name);
    }
    for (const d of p.devices) {
      const other = deviceOwner.get(d.address);
      if (other) throw new LockFileError(file, `${entry}.placement.devices`, `device ${d.address} is also locked for ${other === name ? "this VM" : `VM "${other}"`}`);
      deviceOwner.set(d.address, name);
    }
  }
}

function entryPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
}

/** The lock as file text: stable key order, so an unchanged lock is rewritten byte for byte. */
export function formatLockFile(lock: LockFile): string {
  return `${prettyJson(sortKeys(lock), "")}\n`;
}

/** Indented JSON, with a list of numbers or a small record on one line: a lock diff reads a VM per few lines. */
function prettyJson(value: unknown, indent: string): string {
  const flat = JSON.stringify(value);
  const scalars = Array.isArray(value) && value.every((v) => typeof v !== "object" || v === null);
  if (typeof value !== "object" || value === null || scalars || flat.length <= 72) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => `${inner}${prettyJson(v, inner)}`).join(",\n")}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`);
  return entries.length ? `{\n${entries.join(",\n")}\n${indent}}` : "{}";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().flatMap((k) => {
    const v = (value as Record<string, unknown>)[k];
    return v === undefined ? [] : [[k, sortKeys(v)]];
  }));
}

export function lockedPlacementOf(p: Placement): LockedPlacement {
  return {
    vcpus: p.vcpus.map((v) => ({ vcpu: v.vcpu, hostCpus: [...v.hostCpus], node: v.node })),
    emulator: [...p.emulator],
    iothreads: p.iothreads.map((t) => ({ id: t.id, hostCpus: [...t.hostCpus] })),
    memory: p.memory.map((m) => ({ node: m.node, bytes: m.bytes, ...(m.pageSizeBytes !== undefined ? { pageSizeBytes: m.pageSizeBytes } : {}), ...(m.pages !== undefined ? { pages: m.pages } : {}) })),
    guestCells: p.guestCells.map((g) => ({ cell: g.cell, hostNode: g.hostNode })),
    devices: p.devices.map((d) => ({ path: d.path, address: formatPciAddress(d.address), ...(d.node !== undefined ? { node: d.node } : {}), ...(d.pf !== undefined ? { pf: d.pf } : {}) })),
    nodes: [...p.nodes],
  };
}

export function placementOfLock(l: LockedPlacement): Placement {
  return {
    vcpus: l.vcpus.map((v) => ({ vcpu: v.vcpu, hostCpus: [...v.hostCpus], node: v.node })),
    emulator: [...l.emulator],
    iothreads: l.iothreads.map((t) => ({ id: t.id, hostCpus: [...t.hostCpus] })),
    memory: l.memory.map((m) => ({ ...m })),
    guestCells: l.guestCells.map((g) => ({ ...g })),
    devices: l.devices.map((d) => ({ path: d.path, address: parsePciAddress(d.address), node: d.node, ...(d.pf !== undefined ? { pf: d.pf } : {}) })),
    nodes: [...l.nodes],
  };
}

const cpuset = (ids: readonly number[] | undefined) => (ids?.length ? formatCpuset(ids) : undefined);

export function lockedRequestOf(d: VmDemand): LockedRequest {
  const omitUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    vcpus: d.vcpus,
    threadsPerCore: Math.max(1, d.threadsPerCore),
    pinning: d.pinning === "auto" ? "auto" : "explicit",
    iothreads: d.iothreads,
    emulator: d.emulator,
    numa: d.numa,
    guestCells: (d.guestCells ?? []).map((c) => omitUndefined({ vcpus: formatCpuset(c.vcpus), memoryBytes: c.memoryBytes, hostNodes: cpuset(c.hostNodes) })),
    memory: omitUndefined({ bytes: d.memory.bytes, pageSizeBytes: d.memory.pageSizeBytes, hostNodes: cpuset(d.memory.hostNodes) }),
    devices: d.devices.map((x) => omitUndefined({ path: x.path, kind: x.kind, pf: x.kind === "vf" ? x.pf : undefined, address: x.address && formatPciAddress(x.address) })),
  };
}
