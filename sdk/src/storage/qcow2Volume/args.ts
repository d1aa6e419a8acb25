import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { LibvirtName, Size } from "../../schema/common";
import { VolumeFormat } from "../../schema/storage";
import { componentRef, hostRef, laterOr, secretArg, type ComponentContract } from "../../program/componentContract";
import { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { StoragePool } from "../storagePool/StoragePool";
import { Qcow2Volume } from "./Qcow2Volume";

/** Where a base image comes from: http(s), file:// or an absolute path on the machine running `pulumi up`. */
export const ImageUrl = z.string({ error: "expected an image URL string" }).regex(/^(https?:\/\/|file:\/\/|\/)\S+$/, { message: "expected an http(s) URL, file:// URL or absolute path" });

export const Qcow2VolumeArgsSchema = z.object({
  /**
   * Storage pool on the host: a libvirt pool's name (`default`), or a StoragePool. In a `dir`
   * pool the volume is a file; in a `logical` (LVM) pool a logical volume, which VMs get as a
   * block disk (`format: "raw"`, no base image, no encryption).
   */
  pool: z.union([LibvirtName, componentRef<StoragePool>("StoragePool", (p) => p instanceof StoragePool)], { error: "expected a pool name or a StoragePool" }).describe("A libvirt pool's name (default), or a StoragePool."),
  /** `qcow2` (default: thin, copy-on-write, encryptable) or `raw` (a plain file or logical volume: no format layer). */
  format: VolumeFormat.default("qcow2"),
  /**
   * Virtual size: bytes or an IEC string ("40GiB"). A larger size grows the volume in place,
   * keeping its data (`virsh blockresize` when a running domain uses it, else `vol-resize`);
   * a smaller one is refused with the reason before anything changes.
   */
  size: Size,
  /** libvirt volume name; default `<component name>.qcow2` (`.raw` for raw; the component's name in an LVM pool). */
  name: LibvirtName.optional(),
  /** Copy-on-write base: an image downloaded into the pool (`{ url }`: http(s), file:// or an absolute path), or another volume (`{ volume }`). */
  baseImage: z
    .union(
      [
        z.object({ url: ImageUrl }),
        z.object({ volume: componentRef<Qcow2Volume>("Qcow2Volume", (v) => v instanceof Qcow2Volume) }),
      ],
      { error: "expected { url } or { volume: a Qcow2Volume }" },
    )
    .optional(),
  /**
   * LUKS encryption. virtkit defines a libvirt secret (usage: the volume's path) holding the
   * passphrase, which stays a Pulumi secret, and creates the volume with `virsh` on the host
   * (provider v0.9.7 cannot name a secret for a volume). `secretUuid` defaults to a UUID
   * derived from host, pool and volume name, so it is stable across runs.
   */
  encryption: z
    .object({
      secretUuid: z.uuid({ message: "expected a UUID for the libvirt secret" }).optional(),
      passphrase: z.custom<pulumi.Input<string>>((p) => (typeof p === "string" ? p !== "" : pulumi.Output.isInstance(p) || p instanceof Promise), {
        error: "a LUKS volume needs a passphrase: a non-empty string or a Pulumi secret (pulumi.secret, config.requireSecret)",
      }),
    })
    .optional(),
  /**
   * Allow changes that replace the volume (pool, name, base image, encryption), destroying its
   * data. Default false: such a change is refused by the engine (the volume is protected).
   */
  allowReplace: z.boolean().default(false),
});

/** Everything a Qcow2Volume takes: its own fields, its host, and an image URL that may arrive later. */
const Qcow2VolumeContractArgs = Qcow2VolumeArgsSchema.extend({
  /**
   * Copy-on-write base: `{ url }` (an Input: a URL known only at deployment gets a base image of
   * this volume's own, not shared by URL) or `{ volume }`.
   */
  baseImage: z
    .union([
      z.object({ url: laterOr(z.string()).describe("http(s) URL, file:// URL or absolute path of the image.") }),
      z.object({ volume: componentRef<Qcow2Volume>("Qcow2Volume", (v) => v instanceof Qcow2Volume) }),
    ])
    .optional(),
  /** LUKS encryption (see above); the passphrase is a string the engine keeps secret. */
  encryption: Qcow2VolumeArgsSchema.shape.encryption.unwrap().extend({ passphrase: secretArg(laterOr(z.string())) }).optional(),
  /** The host whose pool holds the volume. */
  host: hostRef<LibvirtHost>((h) => h instanceof LibvirtHost),
});

export type Qcow2VolumeArgs = z.input<typeof Qcow2VolumeContractArgs>;

export const qcow2VolumeContract: ComponentContract<typeof Qcow2VolumeContractArgs, Qcow2Volume> = {
  kind: "Qcow2Volume",
  description: "A qcow2 volume in a pool of a host, optionally a copy-on-write overlay over a base image, optionally LUKS-encrypted.",
  args: Qcow2VolumeContractArgs,
  outputs: { path: { type: "string" }, volumeXml: { type: "string" }, passphrase: { type: "string", secret: true } },
};
