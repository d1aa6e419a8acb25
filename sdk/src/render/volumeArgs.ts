import type * as libvirt from "@pulumi/libvirt";
import { poolTargetPath, type PoolSpec, type VolumeSpec } from "../schema/storage";
import { compact } from "./args";

/** Arguments of `libvirt.Volume` for an unencrypted VolumeSpec (provider v0.9.7). */
export function renderVolumeArgs(vol: VolumeSpec): libvirt.VolumeArgs {
  return compact<libvirt.VolumeArgs>({
    name: vol.name,
    pool: vol.pool,
    capacity: vol.capacity,
    // an encrypted volume is virtkit's LUKS volume resource: v0.9.7 cannot name its secret
    target: vol.type === "file" ? { format: { type: vol.format } } : undefined,
    backingStore: vol.backingStore && { path: vol.backingStore.path, format: { type: vol.backingStore.format } },
  });
}

/** Arguments of `libvirt.Pool`: the same pool as {@link renderPoolXml}, in the provider's names. */
export function renderPoolArgs(pool: PoolSpec): libvirt.PoolArgs {
  const target = { path: poolTargetPath(pool) };
  switch (pool.type) {
    case "dir":
      return { name: pool.name, type: "dir", target };
    case "logical":
      return compact<libvirt.PoolArgs>({
        name: pool.name,
        type: "logical",
        source: { devices: pool.devices.map((path) => ({ path })), name: pool.volumeGroup ?? pool.name, format: { type: "lvm2" } },
        target,
      });
    case "iscsi":
      return compact<libvirt.PoolArgs>({
        name: pool.name,
        type: "iscsi",
        source: {
          hosts: [{ name: pool.portal.host, port: String(pool.portal.port) }],
          devices: [{ path: pool.target }],
          initiator: pool.initiator ? { iqn: { name: pool.initiator } } : undefined,
        },
        target,
      });
  }
}
