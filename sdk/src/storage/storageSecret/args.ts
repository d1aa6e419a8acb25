import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { hostRef, laterOr, secretArg, type ComponentContract } from "../../program/componentContract";
import { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import type { StorageSecret } from "./StorageSecret";

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

/** Everything a StorageSecret takes: its own fields, its host, and its key as a secret Input. */
// its own fields without their cross-field check (validation stays the component's), widened
const StorageSecretContractArgs = z.object({
  ...StorageSecretArgsSchema.shape,
  /** The host whose libvirt holds the secret (the host of the VMs whose disks use it). */
  host: hostRef<LibvirtHost>((h) => h instanceof LibvirtHost),
  value: secretArg(laterOr(z.string()).describe("The Ceph key (base64) or CHAP password; stays a Pulumi secret.")),
});

export type StorageSecretArgs = z.input<typeof StorageSecretContractArgs>;

export const storageSecretContract: ComponentContract<typeof StorageSecretContractArgs, StorageSecret> = {
  kind: "StorageSecret",
  description: "The key of network disks (Ceph RBD, iSCSI CHAP) as a private libvirt secret on a host; a disk takes it as auth.secret.",
  args: StorageSecretContractArgs,
  outputs: { uuid: { type: "string", description: "The libvirt secret's UUID." }, usage: { type: "string" } },
};
