import type { NetworkSpec } from "../schema/network";
import { el, textEl, toXml, type XmlElement } from "./xml";

/** `virsh net-define` XML of a virtual network (autostart is not part of it: `virsh net-autostart`). */
export function renderNetworkXml(net: NetworkSpec): string {
  return toXml(el("network", {}, textEl("name", net.name), ...networkBody(net)));
}

function networkBody(net: NetworkSpec): (XmlElement | undefined)[] {
  const vlan = (tag: number | undefined) => (tag === undefined ? undefined : el("vlan", {}, el("tag", { id: tag })));
  switch (net.mode) {
    case "nat":
    case "isolated":
      return [
        net.mode === "nat" ? el("forward", { mode: "nat" }) : undefined,
        net.bridge ? el("bridge", { name: net.bridge }) : undefined,
        net.mtu !== undefined ? el("mtu", { size: net.mtu }) : undefined,
        net.ipv4 &&
          el(
            "ip",
            { address: net.ipv4.address, prefix: net.ipv4.prefix },
            net.ipv4.dhcp && el("dhcp", {}, el("range", { start: net.ipv4.dhcp.start, end: net.ipv4.dhcp.end })),
          ),
      ];
    case "bridge":
      return [el("forward", { mode: "bridge" }), el("bridge", { name: net.bridge })];
    case "openvswitch":
      return [el("forward", { mode: "bridge" }), el("bridge", { name: net.bridge }), el("virtualport", { type: "openvswitch" }), vlan(net.vlan)];
    case "hostdev":
      return [el("forward", { mode: "hostdev", managed: true }, el("pf", { dev: net.pf })), vlan(net.vlan)];
  }
}
