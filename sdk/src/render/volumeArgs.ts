import type { PoolSpec, VolumeSpec } from "../spec/storage";
import type { NetworkSpec } from "../spec/network";
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

/** Arguments of `libvirt.Network`. */
export function renderNetworkArgs(net: NetworkSpec): Record<string, unknown> {
  switch (net.forward) {
    case "nat":
      return compact({
        name: net.name,
        forward: { mode: "nat" },
        bridge: net.bridge && { name: net.bridge },
        ips: net.ipv4 && [{ address: net.ipv4.address, prefix: net.ipv4.prefix }],
      }) as Record<string, unknown>;
    case "bridge":
      return { name: net.name, forward: { mode: "bridge" }, bridge: { name: net.bridge } };
    case "hostdev":
      return { name: net.name, forward: { mode: "hostdev", managed: true, pfs: [{ dev: net.pf }] } };
  }
}
