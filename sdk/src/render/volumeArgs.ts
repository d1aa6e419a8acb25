import type * as libvirt from "@pulumi/libvirt";
import type { VolumeSpec } from "../spec/storage";
import { compact } from "./args";

/** Arguments of `libvirt.Volume` for an unencrypted VolumeSpec (provider v0.9.7). */
export function renderVolumeArgs(vol: VolumeSpec): libvirt.VolumeArgs {
  return compact<libvirt.VolumeArgs>({
    name: vol.name,
    pool: vol.pool,
    capacity: vol.capacity,
    // an encrypted volume is virtkit's LUKS volume resource: v0.9.7 cannot name its secret
    target: { format: { type: vol.format } },
    backingStore: vol.backingStore && { path: vol.backingStore.path, format: { type: vol.backingStore.format } },
  });
}
