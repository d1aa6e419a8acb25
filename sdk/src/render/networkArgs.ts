import type * as libvirt from "@pulumi/libvirt";
import type { NetworkSpec } from "../spec/network";
import { compact } from "./args";

/** Arguments of `libvirt.Network`. */
export function renderNetworkArgs(net: NetworkSpec): libvirt.NetworkArgs {
  switch (net.forward) {
    case "nat":
      return compact<libvirt.NetworkArgs>({
        name: net.name,
        forward: { mode: "nat" },
        bridge: net.bridge ? { name: net.bridge } : undefined,
        ips: net.ipv4 && [{ address: net.ipv4.address, prefix: net.ipv4.prefix }],
      });
    case "bridge":
      return { name: net.name, forward: { mode: "bridge" }, bridge: { name: net.bridge } };
    case "hostdev":
      return { name: net.name, forward: { mode: "hostdev", managed: true, pfs: [{ dev: net.pf }] } };
  }
}
