import { z } from "zod";
import { HostPath, int, LibvirtName, Size } from "./common";

/** Storage: pools, qcow2 volumes with backing stores, and the disks a guest sees. */

export const VolumeFormat = z.enum(["qcow2", "raw"]);

export const VolumeSpec = z.object({
  name: LibvirtName,
  pool: LibvirtName,
  /** Virtual size of the volume. */
  capacity: Size,
  format: VolumeFormat.default("qcow2"),
  /** `file` (default: an image file in a dir pool) or `block` (an LVM logical volume: raw, no format layer). */
  type: z.enum(["file", "block"]).default("file"),
  /** Copy-on-write base: the path of the backing file and its format. */
  backingStore: z
    .object({
      path: z.string().regex(/^\/[^\0]*$/, { message: "expected the absolute path of the base volume" }),
      format: VolumeFormat.default("qcow2"),
    })
    .optional(),
  /** LUKS encryption with the passphrase held in the libvirt secret of this UUID. */
  encryption: z.object({ secretUuid: z.uuid({ message: "expected a libvirt secret UUID" }) }).optional(),
});

/** An iSCSI qualified name: `iqn.YYYY-MM.reversed.domain[:name]`, or an EUI-64 / NAA name. */
export const Iqn = z
  .string({ error: "expected an iSCSI name string" })
  .regex(/^(iqn\.\d{4}-\d{2}\.[a-z0-9][a-z0-9.-]*(:[^\s]+)?|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16}([0-9A-Fa-f]{16})?)$/, {
    message: 'expected an iSCSI name like "iqn.2003-01.org.example:disk1" (or eui./naa.)',
  })
  .max(223, { message: "an iSCSI name is at most 223 characters" });

/** A host name or IP address of a storage server (iSCSI portal, Ceph monitor). */
export const ServerAddress = z
  .string({ error: "expected a host name or IP address" })
  .regex(/^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/, {
    message: "expected a host name or IP address",
  });

/** A Ceph pool or RBD image name. */
export const CephName = z.string({ error: "expected a name string" }).regex(/^[A-Za-z0-9_.-][A-Za-z0-9_.+-]{0,127}$/, { message: "expected a Ceph name of letters, digits and _.+-" });

/**
 * A storage pool: a directory of image files (`dir`), an LVM volume group whose logical
 * volumes are the volumes (`logical`), or the LUNs of an iSCSI target (`iscsi`).
 */
export const PoolSpec = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("dir"),
      name: LibvirtName,
      /** Directory holding the pool's image files, e.g. `/var/lib/libvirt/images`. */
      path: HostPath,
    }),
    z.object({
      type: z.literal("logical"),
      name: LibvirtName,
      /** LVM volume group; default the pool's name. Its volumes are `/dev/<volumeGroup>/<volume>`. */
      volumeGroup: LibvirtName.optional(),
      /** Physical volumes to build the group on (`virsh pool-build`); none when the group exists. */
      devices: z.array(HostPath).default([]),
    }),
    z.object({
      type: z.literal("iscsi"),
      name: LibvirtName,
      /** The target's portal: host name or address, and port (default 3260). */
      portal: z.object({ host: ServerAddress, port: int(1, 65535, "port").default(3260) }),
      /** The target's IQN; its LUNs are the pool's volumes (`unit:0:0:N`). */
      target: Iqn,
      /** This host's initiator IQN, when the target admits initiators by name; default the host's own. */
      initiator: Iqn.optional(),
    }),
  ],
  { error: 'expected a pool of type "dir", "logical" or "iscsi"' },
);
export type PoolSpec = z.infer<typeof PoolSpec>;

/** Where a pool's volumes appear on the host. */
export function poolTargetPath(pool: PoolSpec): string {
  switch (pool.type) {
    case "dir":
      return pool.path;
    case "logical":
      return `/dev/${pool.volumeGroup ?? pool.name}`;
    case "iscsi":
      return "/dev/disk/by-path";
  }
}

const TARGET = /^(vd|sd|hd)[a-z]{1,2}$/;

export const DiskBus = z.enum(["virtio", "scsi", "sata"]);
export type DiskBus = z.infer<typeof DiskBus>;

/** A disk's bus: as given, else from its target's prefix (`sd` is scsi, `hd` sata), else virtio. */
export function diskBus(d: { bus?: unknown; target?: unknown }): DiskBus {
  const given = DiskBus.safeParse(d.bus);
  if (given.success) return given.data;
  const target = typeof d.target === "string" ? d.target : "";
  return target.startsWith("sd") ? "scsi" : target.startsWith("hd") ? "sata" : "virtio";
}

export const DiskSpec = z.object({
  /**
   * Where the disk's data lives: a volume in a pool (`{ pool, volume }`), a host file
   * (`{ file }`), a host block device (`{ device: "/dev/sdb" }`: a disk, partition, LVM
   * logical volume or loop device, given to the guest whole as `<disk type='block'>`), or a
   * network disk that QEMU reaches itself: a LUN of an iSCSI target (`{ iscsi: { portal,
   * target, lun? } }`) or a Ceph RBD image (`{ rbd: { pool, image, monitors } }`).
   */
  source: z.union(
    [
      z.object({ pool: LibvirtName, volume: LibvirtName }),
      z.object({ file: HostPath }),
      z.object({ device: HostPath }),
      z.object({
        iscsi: z.object({
          /** The target's portal: host name or address, and port (default 3260). */
          portal: z.object({ host: ServerAddress, port: int(1, 65535, "port").default(3260) }),
          /** The target's IQN. */
          target: Iqn,
          /** Logical unit number. Default 0. */
          lun: int(0, 16383, "LUN").default(0),
        }),
      }),
      z.object({
        rbd: z.object({
          /** Ceph pool of the image. */
          pool: CephName,
          /** RBD image name. */
          image: CephName,
          /** Ceph monitors: host name or address, and port (default 6789). */
          monitors: z.array(z.object({ host: ServerAddress, port: int(1, 65535, "port").default(6789) })).min(1, { message: "an RBD disk needs at least one Ceph monitor" }),
        }),
      }),
    ],
    { error: "expected { pool, volume }, { file }, { device }, { iscsi } or { rbd }" },
  ),
  /**
   * Credentials of a network disk: the user, and the libvirt secret holding its key, named by
   * its usage (a StorageSecret, or `{ type: "ceph" | "iscsi", usage }` of a secret defined on the
   * host). The key itself never appears in the domain.
   */
  auth: z
    .object({
      /** Ceph client name without `client.` (e.g. `libvirt`), or the iSCSI CHAP user. */
      username: z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, { message: "expected a user name of letters, digits and _.@-" }),
      secret: z.object({ type: z.enum(["ceph", "iscsi"]), usage: z.string().min(1).max(512) }),
    })
    .optional(),
  /** Guest device name, e.g. `vda`; default: the next free `vdX` (virtio) or `sdX` (scsi, sata) in disk order. */
  target: z.string().regex(TARGET, { message: 'expected a guest disk name like "vda" or "sdb"' }).optional(),
  /**
   * How the disk reaches the guest: `virtio` (virtio-blk, the fastest path, with an iothread
   * of its own), `scsi` (virtio-scsi: one controller with a queue per vCPU, many disks, TRIM,
   * SCSI passthrough) or `sata` (AHCI, for guests without virtio drivers). Default: from the
   * target's prefix (`sd` is scsi), else `virtio`.
   */
  bus: DiskBus.optional(),
  /**
   * Host page cache: `none` (default: O_DIRECT; the guest has its own cache, so the host's
   * would only double it and blur flushes), `directsync`, `writethrough`, `writeback`, `unsafe`.
   */
  cache: z.enum(["none", "directsync", "writethrough", "writeback", "unsafe"]).default("none"),
  /** How QEMU submits I/O: `native` (default: Linux AIO; needs cache `none` or `directsync`), `io_uring`, `threads`. */
  io: z.enum(["native", "io_uring", "threads"]).default("native"),
  /** What a guest's TRIM/UNMAP does: `unmap` (default: freed blocks go back to the thin volume) or `ignore`. */
  discard: z.enum(["unmap", "ignore"]).default("unmap"),
  /** Image format QEMU reads: `qcow2` or `raw`. Default: `raw` for a block device or network disk, else `qcow2`. */
  format: VolumeFormat.optional(),
  readonly: z.boolean().default(false),
  /** LUKS-encrypted volume: the libvirt secret holding its passphrase. */
  encryption: z.object({ secretUuid: z.uuid({ message: "expected a libvirt secret UUID" }) }).optional(),
  /** Iothread that serves this disk (1-based iothread id). */
  iothread: int(1, 64, "iothread id").optional(),
});

export type VolumeSpec = z.infer<typeof VolumeSpec>;
export type DiskSpec = z.infer<typeof DiskSpec>;
