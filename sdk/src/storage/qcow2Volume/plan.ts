import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { LibvirtName } from "../../schema/common";
import { VolumeSpec } from "../../schema/storage";
import { parseOrThrow } from "../../schema/validate";
import { isLater } from "../../program/inputs";
import { requireName } from "../../program/runContext";
import { requireHost } from "../../libvirtHost/LibvirtHost";
import { StoragePool } from "../storagePool/StoragePool";
import { Qcow2VolumeArgsSchema, type Qcow2VolumeArgs } from "./args";
import { VirtkitValidationError, type ValidationIssue } from "../../errors";
import { nameBasedUuid } from "../../schema/uuid";
import type { LibvirtHost } from "../../libvirtHost/LibvirtHost";

/** A volume's arguments, checked, with what the component registers from them. Claims nothing. */
export interface VolumePlan {
  /** The arguments as parsed, the pool by name. */
  readonly a: Omit<z.infer<typeof Qcow2VolumeArgsSchema>, "pool"> & { pool: string };
  readonly storagePool: StoragePool | undefined;
  readonly volumeName: string;
  readonly secretUuid: string | undefined;
  readonly spec: VolumeSpec;
  /** An image URL known only at deployment, checked then. */
  readonly lateUrl: pulumi.Output<string> | Promise<string> | undefined;
}

/** Validates a Qcow2Volume's arguments against its host and pool; throws VirtkitValidationError with every problem. */
export function planVolume(name: string, args: Qcow2VolumeArgs, component: string): VolumePlan {
  requireName("Qcow2Volume", name);
  requireHost(args, component);
  // an image URL known only at deployment is checked then: the schema sees a stand-in now
  const lateUrl = args.baseImage && "url" in args.baseImage && isLater(args.baseImage.url) ? args.baseImage.url : undefined;
  const a0 = parseOrThrow(Qcow2VolumeArgsSchema, { ...args, host: undefined, ...(lateUrl ? { baseImage: { url: "/known-at-deployment" } } : {}) }, component);
  const storagePool = a0.pool instanceof StoragePool ? a0.pool : undefined;
  checkPoolFit(a0, storagePool, args.host, component);
  const a = { ...a0, pool: storagePool?.poolName ?? (a0.pool as string) };
  const logical = storagePool?.spec.type === "logical";
  const volumeName = a.name ?? (logical ? name : `${name}.${a.format}`);
  // the default name comes from the component's name: check it as a libvirt name too
  parseOrThrow(LibvirtName, volumeName, component, ["name"]);
  args.host.checkNameFree("volume", `${a.pool}/${volumeName}`, component, "name");
  // derived from the URI as written; a URI known only at deployment cannot key it, the host's name does
  const hostKey = typeof args.host.uri === "string" ? args.host.uri : `LibvirtHost:${args.host.hostName}`;
  const secretUuid = a.encryption && (a.encryption.secretUuid ?? stableUuid(`${hostKey}|${a.pool}|${volumeName}`));
  // one libvirt secret per UUID: two volumes on one would each redefine the other's passphrase
  if (secretUuid) args.host.checkNameFree("secret", secretUuid, component, "encryption.secretUuid");
  const spec = parseOrThrow(
    VolumeSpec,
    { name: volumeName, pool: a.pool, capacity: a.size, format: a.format, type: logical ? "block" : "file", encryption: secretUuid && { secretUuid } },
    component,
  );
  return { a, storagePool, volumeName, secretUuid, spec, lateUrl };
}

/**
 * What a pool can hold: an LVM logical volume is a raw block device (no base image, no LUKS
 * header from virtkit), and iSCSI LUNs are made on the target, not by libvirt.
 */
export function checkPoolFit(a: z.infer<typeof Qcow2VolumeArgsSchema>, pool: StoragePool | undefined, host: LibvirtHost, component: string): void {
  const issues: ValidationIssue[] = [];
  // hosts of one URI are one hypervisor: a pool of either is the other's too
  if (pool && pool.host.hypervisor !== host.hypervisor) issues.push({ path: "pool", reason: `${pool.component} is on host ${pool.host.hostName}, not on ${host.hostName}` });
  // an overlay names its backing file by its path on its own host
  const base = a.baseImage && "volume" in a.baseImage ? a.baseImage.volume : undefined;
  if (base && base.host.hypervisor !== host.hypervisor) issues.push({ path: "baseImage.volume", reason: `${base.attachment.component} is on host ${base.host.hostName}, not on ${host.hostName}` });
  if (pool?.spec.type === "iscsi") {
    issues.push({ path: "pool", reason: `iSCSI pool "${pool.poolName}" holds the target's LUNs, which are made on the target; give a VM the LUN as a disk: { source: { pool: "${pool.poolName}", volume: "unit:0:0:N" } }` });
  }
  if (pool?.spec.type === "logical") {
    if (a.format !== "raw") issues.push({ path: "format", reason: `a volume in LVM pool "${pool.poolName}" is a logical volume, a raw block device: set format "raw"` });
    if (a.baseImage) issues.push({ path: "baseImage", reason: "a logical volume cannot be a copy-on-write overlay; use a dir pool" });
    if (a.encryption) issues.push({ path: "encryption", reason: "virtkit makes LUKS volumes as qcow2 files; use a dir pool" });
  } else {
    if (a.format === "raw" && a.baseImage) issues.push({ path: "baseImage", reason: "a raw volume has no backing file; use format \"qcow2\" for a copy-on-write overlay" });
    if (a.format === "raw" && a.encryption) issues.push({ path: "encryption", reason: "virtkit makes LUKS volumes as qcow2; use format \"qcow2\"" });
  }
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/** A UUID (version 5 layout) derived from `key`: the same volume gets the same secret UUID on every run. */
export function stableUuid(key: string): string {
  return nameBasedUuid(`virtkit-luks:${key}`);
}
