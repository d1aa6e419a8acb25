import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import type { z } from "zod";
import { VolumeSpec } from "../../schema/storage";
import { LibvirtName } from "../../schema/common";
import { VirtkitValidationError, type ValidationIssue } from "../../errors";
import { StoragePool } from "../storagePool/StoragePool";
import { parseOrThrow } from "../../schema/validate";
import { renderVolumeArgs } from "../../render/volumeArgs";
import { renderVolumeXml } from "../../render/storageXml";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { nameBasedUuid } from "../../schema/uuid";
import { LuksVolume } from "./luksVolumeProvider";
import { VolumeCapacity } from "./volumeCapacityProvider";
import { Attachment } from "../../host/attachment";
import { classifyVolumeChange, describeChange, inputDigest } from "../../render/changes";
import { InputChecks, isLater } from "../../program/inputs";
import { outputsOf } from "../../program/componentContract";
import { ImageUrl, Qcow2VolumeArgsSchema, qcow2VolumeContract, type Qcow2VolumeArgs } from "./args";


/**
 * A qcow2 volume in a pool of a host, optionally a copy-on-write overlay over a base
 * image, optionally LUKS-encrypted. Data volumes outlive the VMs that use them: they
 * are not children of a VM, so no VM change can replace or delete them.
 */
export class Qcow2Volume extends pulumi.ComponentResource {
  /** The volume resource: the provider's Volume, or virtkit's LuksVolume when encrypted. */
  readonly volume: libvirt.Volume | LuksVolume;
  readonly host: LibvirtHost;
  /** The VM this volume belongs to: a data volume is attached to one VM. */
  readonly attachment: Attachment;
  /** The base image volume, when made from a URL (shared by the host's overlays of that URL). */
  readonly base: libvirt.Volume | undefined;
  readonly poolName: string;
  /** The StoragePool given as `pool`, if one was. */
  readonly storagePool: StoragePool | undefined;
  readonly volumeName: string;
  readonly format: "qcow2" | "raw";
  readonly sizeBytes: number;
  readonly secretUuid: string | undefined;
  /** Path of the volume file on the host. */
  readonly path: pulumi.Output<string>;
  /** The LUKS passphrase, a Pulumi secret. */
  readonly passphrase: pulumi.Output<string> | undefined;
  /** `virsh vol-create` XML equivalent of what is registered. */
  readonly volumeXml: pulumi.Output<string>;
  /** virtkit's resource that grows an unencrypted volume in place (an encrypted one grows itself). */
  readonly capacity: VolumeCapacity | undefined;

  constructor(name: string, args: Qcow2VolumeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Never pass args to super: they may hold the passphrase, and inputs are stored in the state.
    const component = `Qcow2Volume "${name}"`;
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
    args.host.run.requireUniqueName("Qcow2Volume", name, opts);
    super("virtkit:index:Qcow2Volume", name, {}, opts);
    this.host = args.host;
    this.attachment = new Attachment(component);
    this.poolName = a.pool;
    this.storagePool = storagePool;
    this.format = a.format;
    this.volumeName = volumeName;
    this.sizeBytes = a.size;
    // derived from the URI as written; a URI known only at deployment cannot key it, the host's name does
    const hostKey = typeof args.host.uri === "string" ? args.host.uri : `LibvirtHost:${args.host.hostName}`;
    this.secretUuid = a.encryption && (a.encryption.secretUuid ?? stableUuid(`${hostKey}|${a.pool}|${this.volumeName}`));
    args.host.claimName("volume", `${a.pool}/${this.volumeName}`, component, "name");

    // Replacing a data volume loses its data: refused unless asked for.
    const dataOpts: pulumi.CustomResourceOptions = {
      parent: this,
      // the program's own protect option wins; virtkit's is the default
      protect: opts.protect ?? !a.allowReplace,
      replaceOnChanges: ["backingStore", "target", "pool", "name"],
      // a volume in a pool this program makes is made after the pool
      dependsOn: storagePool ? [storagePool.pool] : undefined,
    };

    let backingPath: pulumi.Input<string> | undefined;
    if (lateUrl) {
      const checks = new InputChecks(component);
      const url = checks.check(lateUrl, ImageUrl, "baseImage.url")!;
      this.base = args.host.baseImageFromLateUrl(a.pool, volumeName, url, storagePool?.pool);
      backingPath = this.base.path;
    } else if (args.baseImage && "url" in args.baseImage) {
      this.base = args.host.baseImage(a.pool, args.baseImage.url as string, storagePool?.pool);
      backingPath = this.base.path;
    } else if (args.baseImage && "volume" in args.baseImage) {
      backingPath = args.baseImage.volume.path;
    }

    const spec = parseOrThrow(VolumeSpec, {
      name: this.volumeName,
      pool: a.pool,
      capacity: a.size,
      format: a.format,
      type: logical ? "block" : "file",
      encryption: this.secretUuid && { secretUuid: this.secretUuid },
    }, component);
    this.volumeXml = pulumi.output(backingPath ?? "").apply((p) => renderVolumeXml({ ...spec, backingStore: p ? { path: p, format: "qcow2" } : undefined }));
    this.passphrase = a.encryption ? pulumi.secret(args.encryption!.passphrase) : undefined;
    if (this.passphrase && this.secretUuid) {
      this.volume = new LuksVolume(
        name,
        { uri: args.host.uriOutput, pool: a.pool, name: this.volumeName, volumeXml: this.volumeXml, secretUuid: this.secretUuid, passphrase: this.passphrase },
        { ...dataOpts, replaceOnChanges: ["*"] },
      );
    } else {
      // The backing path is an Output (the base's path once created), so it joins the args here.
      const volumeArgs = { ...renderVolumeArgs(spec), ...(backingPath ? { backingStore: { path: backingPath, format: { type: "qcow2" } } } : {}) };
      // v0.9.7 would replace the volume for a new capacity (upstream #1325): virtkit grows it instead
      this.volume = new libvirt.Volume(name, volumeArgs, { ...dataOpts, provider: args.host.provider, ignoreChanges: ["capacity"] });
      this.capacity = new VolumeCapacity(
        `${name}-capacity`,
        { uri: args.host.uriOutput, pool: a.pool, name: this.volume.name, capacity: a.size },
        { parent: this },
      );
    }
    this.path = this.volume.path;
    this.recordChange(component, name, a, args, dataOpts.protect === true);
    this.registerOutputs(outputsOf(qcow2VolumeContract, this));
  }

  /** Records the volume for virtkit plan and says, as a diagnostic, what its change since the lock does. */
  private recordChange(component: string, name: string, a: z.infer<typeof Qcow2VolumeArgsSchema>, args: Qcow2VolumeArgs, isProtected: boolean): void {
    const base = args.baseImage && ("url" in args.baseImage ? { url: typeof args.baseImage.url === "string" ? args.baseImage.url : "(known at deployment)" } : { volume: args.baseImage.volume.volumeName });
    // what the volume is made of; the passphrase is a secret and cannot be compared
    const digest = inputDigest({ name: this.volumeName, pool: this.poolName, capacity: a.size, format: a.format, baseImage: base ?? null, secretUuid: this.secretUuid ?? null });
    const lock = this.host.run.lock();
    const change = lock?.exists ? classifyVolumeChange(lock.section?.volumes[name]?.digest, digest, { protected: isProtected, growsInPlace: true }) : undefined;
    if (change && this.host.run.changeDiagnostics) void pulumi.log.info(`${component}: ${describeChange(change)}, since ${lock!.file} (stack ${lock!.stack})`, this);
    this.host.run.volumes.push({ component, name, host: this.host.hostName, digest, protected: isProtected, change });
  }
}

/**
 * What a pool can hold: an LVM logical volume is a raw block device (no base image, no LUKS
 * header from virtkit), and iSCSI LUNs are made on the target, not by libvirt.
 */
function checkPoolFit(a: z.infer<typeof Qcow2VolumeArgsSchema>, pool: StoragePool | undefined, host: LibvirtHost, component: string): void {
  const issues: ValidationIssue[] = [];
  if (pool && pool.host !== host) issues.push({ path: "pool", reason: `${pool.component} is on host ${pool.host.hostName}, not ${host.hostName}` });
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
