import type { NetworkSpec } from "../spec/network";
import { compact } from "./domainArgs";

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
