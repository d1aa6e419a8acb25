import type { PoolSpec, VolumeSpec } from "../spec/storage";
import { compact } from "./domainArgs";

/** Arguments of `libvirt.Volume` for a VolumeSpec (provider v0.9.7). */
export function renderVolumeArgs(vol: VolumeSpec): Record<string, unknown> {
  return compact({
    name: vol.name,
    pool: vol.pool,
    capacity: vol.capacity,
    target: {
      format: { type: vol.format },
      // the secret's uuid is read-only in v0.9.7: only its type can be given
      encryption: vol.encryption && { format: "luks", secret: { type: "passphrase" } },
    },
    backingStore: vol.backingStore && { path: vol.backingStore.path, format: { type: vol.backingStore.format } },
  }) as Record<string, unknown>;
}

/** Arguments of `libvirt.Pool` for a directory pool. */
export function renderPoolArgs(pool: PoolSpec): Record<string, unknown> {
  return { name: pool.name, type: "dir", target: { path: pool.path } };
}
