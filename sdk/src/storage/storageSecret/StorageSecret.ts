import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { parseOrThrow } from "../../schema/validate";
import { requireUniqueName } from "../../program/runContext";
import { stableUuid } from "../qcow2Volume/Qcow2Volume";
import { LibvirtSecret } from "./storageSecretProvider";

export const StorageSecretArgsSchema = z
  .object({
    /** `ceph` (a Ceph client key, for RBD disks) or `iscsi` (a CHAP password, for iSCSI disks). */
    type: z.enum(["ceph", "iscsi"]),
    /** The usage name disks refer to, e.g. `client.libvirt secret`; unique per type on the host. */
    usage: z.string({ error: "expected a usage name" }).regex(/^[^\x00-\x1f\x7f]{1,512}$/, { message: "expected a usage name of 1 to 512 printable characters" }),
    /**
     * The key: a Ceph key as `ceph auth get-key client.NAME` prints it (base64), or the CHAP
     * password. Give a Pulumi secret (`config.requireSecret`): it stays one into the state.
     */
    value: z.custom<pulumi.Input<string>>((v) => (typeof v === "string" ? v !== "" : pulumi.Output.isInstance(v) || v instanceof Promise), {
      error: "a storage secret needs its key: a non-empty string or a Pulumi secret (config.requireSecret)",
    }),
    /** libvirt secret UUID; default one derived from host, type and usage (stable across runs). */
    uuid: z.uuid({ message: "expected a UUID for the libvirt secret" }).optional(),
  })
  .superRefine((a, ctx) => {
    // a plain Ceph key can be checked here; one that is an Output is checked by libvirt
    if (a.type === "ceph" && typeof a.value === "string" && !/^[A-Za-z0-9+/]+={0,2}$/.test(a.value)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "a Ceph key is base64 (as `ceph auth get-key` prints it)" });
    }
  });

export type StorageSecretArgs = z.input<typeof StorageSecretArgsSchema> & {
  /** The host whose libvirt holds the secret (the host of the VMs whose disks use it). */
  host: LibvirtHost;
};

/**
 * The key of network disks (Ceph RBD, iSCSI with CHAP) as a private libvirt secret on a host,
 * defined by virtkit's `virtkit:LibvirtSecret` resource (provider v0.9.7 has no secret
 * resource). A disk takes it as `auth: { username, secret: thisSecret }`: the domain names the
 * secret by its usage, and the key stays a Pulumi secret from the program to libvirt.
 */
export class StorageSecret extends pulumi.ComponentResource {
  readonly host: LibvirtHost;
  readonly type: "ceph" | "iscsi";
  readonly usage: string;
  readonly uuid: string;
  readonly secret: LibvirtSecret;

  constructor(name: string, args: StorageSecretArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // never pass args to super: the key would be stored as the component's input
    const component = `StorageSecret "${name}"`;
    requireHost(args, component);
    const a = parseOrThrow(StorageSecretArgsSchema, { ...args, host: undefined }, component);
    requireUniqueName("virtkit:index:StorageSecret", name, opts);
    super("virtkit:index:StorageSecret", name, {}, opts);
    this.host = args.host;
    this.type = a.type;
    this.usage = a.usage;
    const hostKey = typeof args.host.uri === "string" ? args.host.uri : `LibvirtHost:${args.host.hostName}`;
    this.uuid = a.uuid ?? stableUuid(`secret|${hostKey}|${a.type}|${a.usage}`);
    this.secret = new LibvirtSecret(
      name,
      { uri: args.host.uriOutput, uuid: this.uuid, type: a.type, usage: a.usage, value: pulumi.secret(args.value) },
      { parent: this },
    );
    this.registerOutputs({ uuid: this.uuid });
  }
}
