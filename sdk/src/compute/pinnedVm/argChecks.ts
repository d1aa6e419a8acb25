import * as pulumi from "@pulumi/pulumi";
import { VirtkitValidationError, type ValidationIssue } from "../../errors";
import { checkHostBound } from "../../host/attachment";
import type { HostModel } from "../../host/model";
import { hostSizeIssues } from "../../host/sizeFit";
import { formatCpuset } from "../../schema/cpuset";
import { VmSpec } from "../../schema/vm";
import { type OnOneHost } from "./args";
import { PciPassthrough } from "../../network/pciPassthrough/PciPassthrough";
import { SriovNic } from "../../network/sriovNic/SriovNic";
import { Qcow2Volume } from "../../storage/qcow2Volume/Qcow2Volume";
import { StorageSecret } from "../../storage/storageSecret/StorageSecret";
import { HugepageMemory } from "../hugepageMemory/HugepageMemory";
import { InputChecks, requirePlain } from "../../program/inputs";
import { z } from "zod";

import { virtualNetworkNic } from "./specInput";
import { pinnedVmContract } from "./args";
/**
 * What decides placement, names or the domain's shape must be known while the program runs:
 * virtkit places VMs then, before anything is created. An Output there is refused, saying so.
 */
// every argument but the host (a component, checked as one) and cloud-init (whose data may come later)
const PLAIN_FIELDS = Object.keys(pinnedVmContract.args.shape).filter((k) => k !== "host" && k !== "cloudInit");
export function requirePlainFields(args: OnOneHost, checks: InputChecks): void {
  const a = args as unknown as Record<string, unknown>;
  const why = "virtkit validates and places the VM while the program runs, before anything is created (only MACs, cloud-init data and the graphics password may arrive later)";
  for (const field of PLAIN_FIELDS) {
    const issue = requirePlain(a[field], field, why);
    if (issue) checks.add(issue.path, issue.reason);
  }
  const memory = a.memory as Record<string, unknown> | undefined;
  if (memory && typeof memory === "object" && !(memory instanceof HugepageMemory)) {
    for (const field of ["size", "hugepages"]) {
      const issue = requirePlain(memory[field], `memory.${field}`, why);
      if (issue) checks.add(issue.path, issue.reason);
    }
  }
}

export const isLoopback = (address: string) => address.startsWith("127.") || address === "::1";

/** VNC's authentication reads 8 characters of a password: a longer one would be cut without a word. */
const VncPassword = z.string({ error: "expected a password string" }).min(1, { message: "the password is empty" }).max(8, { message: "a VNC password is at most 8 characters (VNC's authentication reads no more)" });
const SpicePassword = z.string({ error: "expected a password string" }).min(1, { message: "the password is empty" });

export function graphicsPasswordOf(args: OnOneHost, checks: InputChecks) {
  const g = args.graphics as { type?: unknown; password?: pulumi.Input<string> } | undefined;
  if (!g || typeof g !== "object" || g.password === undefined) return undefined;
  const checked = checks.check(g.password, g.type === "vnc" ? VncPassword : SpicePassword, "graphics.password");
  // a password is a secret whether or not it came as one
  return checked === undefined ? undefined : pulumi.secret(checked);
}

/** Host NUMA nodes named by the user must exist on the host; the error names the field they wrote. */
export function checkHostNodes(spec: VmSpec, args: OnOneHost, model: HostModel, component: string): void {
  const known = new Set(model.nodes.map((n) => n.id));
  const have = `host ${args.host.hostName} has NUMA node${known.size > 1 ? "s" : ""} ${formatCpuset(known)}`;
  const issues: ValidationIssue[] = [];
  const check = (path: string, nodes: readonly number[] | undefined) => {
    const missing = (nodes ?? []).filter((n) => !known.has(n));
    if (missing.length) issues.push({ path, reason: `host node ${formatCpuset(missing)} does not exist; ${have}` });
  };
  const fromMemory = args.memory instanceof HugepageMemory && args.memory.hostNodes !== undefined && !args.numa?.hostNodes;
  check(fromMemory ? "memory.hostNodes" : "numa.hostNodes", spec.numa.hostNodes);
  spec.numa.memnodes.forEach((m, i) => check(`numa.memnodes[${i}].hostNodes`, m.hostNodes));
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/** Sizes the host could never give this VM (memory, and memory on its bound nodes), naming the host's capacity. */
export function checkHostSizes(spec: VmSpec, args: OnOneHost, model: HostModel, component: string): void {
  const memoryPath = args.memory instanceof HugepageMemory ? "memory" : "memory.size";
  const demand = { memoryBytes: spec.memory.size, memoryPath, hostNodes: spec.numa.hostNodes, numaMode: spec.numa.mode };
  const issues = hostSizeIssues(demand, model, args.host.hostName);
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/**
 * The containers every later step walks must be what they claim to be; what is inside them
 * is the schema's to judge. Refusing the shape first keeps a hostile value from crashing a
 * check written for well-formed input.
 */
export function checkShape(args: OnOneHost, component: string): void {
  const issues: ValidationIssue[] = [];
  const a = args as unknown as Record<string, unknown>;
  for (const list of ["disks", "nics", "hostdevs"] as const) {
    if (a[list] !== undefined && !Array.isArray(a[list])) issues.push({ path: list, reason: `expected a list, not ${JSON.stringify(a[list]) ?? typeof a[list]}`.slice(0, 200) });
  }
  const memory = a.memory;
  if (!(memory instanceof HugepageMemory) && (typeof memory !== "object" || memory === null || Array.isArray(memory))) {
    issues.push({ path: "memory", reason: "expected a HugepageMemory or { size, ... }" });
  }
  if (a.numa !== undefined && (typeof a.numa !== "object" || a.numa === null || Array.isArray(a.numa))) {
    issues.push({ path: "numa", reason: "expected { cells?, hostNodes?, mode?, memnodes? }" });
  }
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/** The components a VM takes for itself, with their field paths. */
export function partsOf(args: OnOneHost): { path: string; part: HugepageMemory | Qcow2Volume | SriovNic | PciPassthrough }[] {
  const parts: { path: string; part: HugepageMemory | Qcow2Volume | SriovNic | PciPassthrough }[] = [];
  if (args.memory instanceof HugepageMemory) parts.push({ path: "memory", part: args.memory });
  (args.disks ?? []).forEach((d, i) => d instanceof Qcow2Volume && parts.push({ path: `disks[${i}]`, part: d }));
  (args.nics ?? []).forEach((n, i) => n instanceof SriovNic && parts.push({ path: `nics[${i}]`, part: n }));
  (args.hostdevs ?? []).forEach((h, i) => h instanceof PciPassthrough && parts.push({ path: `hostdevs[${i}]`, part: h }));
  return parts;
}

/** A VirtualNetwork's NIC must be on the VM's host, and ask only what its kind of network gives. */
export function networkNicIssues(args: OnOneHost): ValidationIssue[] {
  return (args.nics ?? []).flatMap((n, i) => {
    const nic = virtualNetworkNic(n);
    if (!nic) return [];
    const net = nic.network;
    const issues: ValidationIssue[] = [];
    if (net.host.hypervisor !== args.host.hypervisor) issues.push({ path: `nics[${i}]`, reason: `${net.component} is on host ${net.host.hostName}, not on ${args.host.hostName}` });
    if (net.spec.mode === "hostdev") {
      for (const key of ["model", "queues"] as const) {
        if (nic[key] !== undefined) issues.push({ path: `nics[${i}].${key}`, reason: `a NIC on ${net.component}, a pool of SR-IOV VFs, is a VF: it has no ${key === "model" ? "model" : "virtio queues"}` });
      }
    } else if (nic.trust !== undefined) {
      issues.push({ path: `nics[${i}].trust`, reason: `trust is for VFs; ${net.component} is a "${net.spec.mode}" network` });
    }
    return issues;
  });
}

/** A network disk's key must be a secret of the VM's host: libvirt looks it up there by its usage. */
export function secretHostIssues(args: OnOneHost): ValidationIssue[] {
  return (args.disks ?? []).flatMap((d, i) => {
    const secret = !(d instanceof Qcow2Volume) && typeof d === "object" && d !== null ? d.auth?.secret : undefined;
    if (!(secret instanceof StorageSecret) || secret.host.hypervisor === args.host.hypervisor) return [];
    return [{ path: `disks[${i}].auth.secret`, reason: `${secret.component} is on host ${secret.host.hostName}, not on ${args.host.hostName}` }];
  });
}

/** Each part must be on the VM's host and not another VM's already; so must each network and each disk's key. */
export function checkParts(args: OnOneHost, component: string): void {
  const firstPath = new Map<object, string>();
  const issues = [...networkNicIssues(args), ...secretHostIssues(args), ...partsOf(args).flatMap(({ path, part }) => {
    // one volume twice in one VM would be two disks writing one file
    const earlier = firstPath.get(part);
    if (earlier) return [{ path, reason: `${part.attachment.component} is already ${earlier} of this VM` }];
    firstPath.set(part, path);
    const issue = part instanceof HugepageMemory ? part.attachment.check(component, path) : checkHostBound(part, component, args.host, path);
    return issue ? [issue] : [];
  })];
  if (issues.length) throw new VirtkitValidationError(component, issues);
}
