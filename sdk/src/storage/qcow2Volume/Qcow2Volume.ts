import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import type { z } from "zod";
import { StoragePool } from "../storagePool/StoragePool";
import { renderVolumeArgs } from "../../render/volumeArgs";
import { renderVolumeXml } from "../../render/storageXml";
import { type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { LuksVolume } from "./luksVolumeProvider";
import { VolumeCapacity } from "./volumeCapacityProvider";
import { Attachment } from "../../host/attachment";
import { classifyVolumeChange, describeChange, inputDigest } from "../../render/changes";
import { InputChecks } from "../../program/inputs";
import { outputsOf } from "../../program/componentContract";
import { ImageUrl, Qcow2VolumeArgsSchema, qcow2VolumeContract, type Qcow2VolumeArgs } from "./args";
import { planVolume, type VolumePlan } from "./plan";
import { refuseNulls } from "../../program/nullArgs";


/**
 * A qcow2 volume in a pool of a host, optionally a copy-on-write overlay over a base
 * image, optionally LUKS-encrypted. Data volumes outlive the VMs that use them: they
 * are not children of a VM, so no VM change can replace or delete them.
 */
export class Qcow2Volume extends pulumi.ComponentResource {
  /** The volume resource: the provider's Volume, or virtkit's LuksVolume when encrypted. */
  readonly volume!: libvirt.Volume | LuksVolume;
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
  readonly capacity!: VolumeCapacity | undefined;

  constructor(name: string, args: Qcow2VolumeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Never pass args to super: they may hold the passphrase, and inputs are stored in the state.
    const component = `Qcow2Volume "${name}"`;
    refuseNulls(qcow2VolumeContract, component, args);
    const plan = planVolume(name, args, component);
    const { a, storagePool, volumeName, spec, lateUrl } = plan;
    args.host.run.requireUniqueName("Qcow2Volume", name, opts);
    super("virtkit:index:Qcow2Volume", name, {}, opts);
    this.host = args.host;
    this.attachment = new Attachment(component);
    this.poolName = a.pool;
    this.storagePool = storagePool;
    this.format = a.format;
    this.volumeName = volumeName;
    this.sizeBytes = a.size;
    this.secretUuid = plan.secretUuid;
    args.host.claimName("volume", `${a.pool}/${this.volumeName}`, component, "name");
    if (this.secretUuid) args.host.claimName("secret", this.secretUuid, component, "encryption.secretUuid");

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

    this.volumeXml = pulumi.output(backingPath ?? "").apply((p) => renderVolumeXml({ ...spec, backingStore: p ? { path: p, format: "qcow2" } : undefined }));
    this.passphrase = a.encryption ? pulumi.secret(args.encryption!.passphrase) : undefined;
    ({ volume: this.volume, capacity: this.capacity } = this.registerVolume(name, plan, backingPath, dataOpts));
    this.path = this.volume.path;
    this.recordChange(component, name, a, args, dataOpts.protect === true);
    this.registerOutputs(outputsOf(qcow2VolumeContract, this));
  }

  /** The volume itself: virtkit's LuksVolume when encrypted, else the provider's Volume and the VolumeCapacity that grows it. */
  private registerVolume(name: string, { a, spec }: VolumePlan, backingPath: pulumi.Input<string> | undefined, dataOpts: pulumi.CustomResourceOptions) {
    if (this.passphrase && this.secretUuid) {
      const volume = new LuksVolume(
        name,
        { uri: this.host.uriOutput, pool: a.pool, name: this.volumeName, volumeXml: this.volumeXml, secretUuid: this.secretUuid, passphrase: this.passphrase },
        this.host.onHost({ ...dataOpts, replaceOnChanges: ["*"] }),
      );
      return { volume, capacity: undefined };
    }
    // The backing path is an Output (the base's path once created), so it joins the args here.
    const volumeArgs = { ...renderVolumeArgs(spec), ...(backingPath ? { backingStore: { path: backingPath, format: { type: "qcow2" } } } : {}) };
    // v0.9.7 would replace the volume for a new capacity (upstream #1325): virtkit grows it instead
    const volume = new libvirt.Volume(name, volumeArgs, this.host.libvirtOptions({ ...dataOpts, ignoreChanges: ["capacity"] }));
    const capacity = new VolumeCapacity(`${name}-capacity`, { uri: this.host.uriOutput, pool: a.pool, name: volume.name, capacity: a.size }, this.host.onHost({ parent: this }));
    return { volume, capacity };
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
