import type * as libvirt from "@pulumi/libvirt";
import type { NetworkSpec } from "../spec/network";
import { compact, PRESENT } from "./args";

/** Arguments of `libvirt.Network`: the same network as {@link renderNetworkXml}, less what {@link networkProviderGaps} reports. */
export function renderNetworkArgs(net: NetworkSpec): libvirt.NetworkArgs {
  const common = { name: net.name, autostart: net.autostart };
  switch (net.mode) {
    case "nat":
    case "isolated":
      return compact<libvirt.NetworkArgs>({
        ...common,
        forward: net.mode === "nat" ? { mode: "nat" } : undefined,
        bridge: net.bridge ? { name: net.bridge } : undefined,
        mtu: net.mtu !== undefined ? { size: net.mtu } : undefined,
        ips: net.ipv4 && [
          { address: net.ipv4.address, prefix: net.ipv4.prefix, dhcp: net.ipv4.dhcp && { ranges: [{ start: net.ipv4.dhcp.start, end: net.ipv4.dhcp.end }] } },
        ],
      });
    case "bridge":
      return { ...common, forward: { mode: "bridge" }, bridge: { name: net.bridge } };
    case "openvswitch":
      // the params branch names the virtualport's type (openvswitch)
      return { ...common, forward: { mode: "bridge" }, bridge: { name: net.bridge }, virtualPort: { params: { openVSwitch: PRESENT } } };
    case "hostdev":
      return { ...common, forward: { mode: "hostdev", managed: true, pfs: [{ dev: net.pf }] } };
  }
}

/**
 * What the network XML says but provider v0.9.7 cannot carry: its `vlan.tags[].id` is
 * read-only, so a VLAN on an OVS network or a VF pool is not set.
 */
export function networkProviderGaps(net: NetworkSpec): string[] {
  if ((net.mode === "openvswitch" || net.mode === "hostdev") && net.vlan !== undefined) {
    const instead = net.mode === "hostdev" ? "set it on the VFs on the host (ip link set PF vf N vlan TAG)" : "set it on the ports in OVS (ovs-vsctl set port PORT tag=TAG)";
    return [`vlan: provider v0.9.7 has vlan.tags[].id read-only, so VLAN ${net.vlan} is not set on network "${net.name}"; ${instead}`];
  }
  return [];
}
