import type { NetworkSpec } from "../spec/network";
import { el, textEl, toXml } from "./xml";

/** `virsh net-define` XML: NAT, host bridge, or a pool of SR-IOV VFs on a PF. */
export function renderNetworkXml(net: NetworkSpec): string {
  switch (net.forward) {
    case "nat":
      return toXml(
        el(
          "network",
          {},
          textEl("name", net.name),
          el("forward", { mode: "nat" }),
          net.bridge && el("bridge", { name: net.bridge }),
          net.ipv4 && el("ip", { address: net.ipv4.address, prefix: net.ipv4.prefix }),
        ),
      );
    case "bridge":
      return toXml(el("network", {}, textEl("name", net.name), el("forward", { mode: "bridge" }), el("bridge", { name: net.bridge })));
    case "hostdev":
      return toXml(
        el("network", {}, textEl("name", net.name), el("forward", { mode: "hostdev", managed: true }, el("pf", { dev: net.pf }))),
      );
  }
}
