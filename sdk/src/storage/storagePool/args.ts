import { z } from "zod";
import { LibvirtName } from "../../schema/common";
import { PoolSpec } from "../../schema/storage";
import { hostRef, type ComponentContract, type VariantArgs, type VariantArgsInput } from "../../program/componentContract";
import { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import type { StoragePool } from "./StoragePool";

/**
 * A StoragePool's arguments: one of
 * - `{ type: "dir", path }`: a directory of qcow2 and raw image files;
 * - `{ type: "logical", volumeGroup?, devices? }`: an LVM volume group; its volumes are logical
 *   volumes, which VMs get as block disks (`/dev/<group>/<volume>`);
 * - `{ type: "iscsi", portal: { host, port? }, target, initiator? }`: the LUNs of an iSCSI
 *   target, which VMs get as disks by `{ pool, volume: "unit:0:0:N" }`;
 *
 * plus the host and the libvirt pool name (default: the component's name).
 */
const storagePoolArgs = {
  variants: PoolSpec,
  shared: z.object({
    /** The host that has the pool. */
    host: hostRef<LibvirtHost>((h) => h instanceof LibvirtHost),
    /** libvirt pool name; default the component's name. */
    name: LibvirtName.optional().describe("libvirt pool name; default the component's name."),
  }),
} satisfies VariantArgs;

export type StoragePoolArgs = VariantArgsInput<typeof storagePoolArgs>;

export const storagePoolContract: ComponentContract<typeof storagePoolArgs, StoragePool> = {
  kind: "StoragePool",
  description: "A libvirt storage pool on a host: a directory, an LVM volume group or an iSCSI target; Qcow2Volumes take it as their pool.",
  args: storagePoolArgs,
  outputs: { poolName: { type: "string" }, poolXml: { type: "string" }, targetPath: { type: "string", description: "Where the pool's volumes appear on the host." } },
};
