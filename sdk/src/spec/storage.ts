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

const TARGET = /^(vd|sd|hd)[a-z]{1,2}$/;

export const DiskBus = z.enum(["virtio", "scsi", "sata"]);
export type DiskBus = z.infer<typeof DiskBus>;

export const DiskSpec = z.object({
  /**
   * Where the disk's data lives: a volume in a pool (`{ pool, volume }`), a host file
   * (`{ file }`), or a host block device (`{ device: "/dev/sdb" }`: a disk, partition, LVM
   * logical volume or loop device, given to the guest whole as `<disk type='block'>`).
   */
  source: z.union([z.object({ pool: LibvirtName, volume: LibvirtName }), z.object({ file: HostPath }), z.object({ device: HostPath })], {
    error: "expected { pool, volume }, { file } or { device }",
  }),
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
  /** Image format QEMU reads: `qcow2` or `raw`. Default: `raw` for a block device, else `qcow2`. */
  format: VolumeFormat.optional(),
  readonly: z.boolean().default(false),
  /** LUKS-encrypted volume: the libvirt secret holding its passphrase. */
  encryption: z.object({ secretUuid: z.uuid({ message: "expected a libvirt secret UUID" }) }).optional(),
  /** Iothread that serves this disk (1-based iothread id). */
  iothread: int(1, 64, "iothread id").optional(),
});

export type VolumeSpec = z.infer<typeof VolumeSpec>;
export type DiskSpec = z.infer<typeof DiskSpec>;
