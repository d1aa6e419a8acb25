import type * as libvirt from "@pulumi/libvirt";
import type { PoolSpec, VolumeSpec } from "../spec/storage";
import { compact } from "./args";

/** Arguments of `libvirt.Volume` for a VolumeSpec (provider v0.9.7). */
export function renderVolumeArgs(vol: VolumeSpec): libvirt.VolumeArgs {
  return compact<libvirt.VolumeArgs>({
    name: vol.name,
    pool: vol.pool,
    capacity: vol.capacity,
    target: {
      format: { type: vol.format },
      // the secret's uuid is read-only in v0.9.7: only its type can be given
      encryption: vol.encryption && { format: "luks", secret: { type: "passphrase" } },
    },
    backingStore: vol.backingStore && { path: vol.backingStore.path, format: { type: vol.backingStore.format } },
  });
}

/** Arguments of `libvirt.Pool` for a directory pool. */
export function renderPoolArgs(pool: PoolSpec): libvirt.PoolArgs {
  return { name: pool.name, type: "dir", target: { path: pool.path } };
}
