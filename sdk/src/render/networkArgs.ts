import type * as libvirt from "@pulumi/libvirt";
import type { NetworkSpec } from "../schema/network";
import { compact, PRESENT } from "./args";

/** Arguments of `libvirt.Network`: the same network as {@link renderNetworkXml}. */
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
      return compact<libvirt.NetworkArgs>({ ...common, forward: { mode: "bridge" }, bridge: { name: net.bridge }, virtualPort: { params: { openVSwitch: PRESENT } }, vlan: vlanArgs(net.vlan) });
    case "hostdev":
      return compact<libvirt.NetworkArgs>({ ...common, forward: { mode: "hostdev", managed: true, pfs: [{ dev: net.pf }] }, vlan: vlanArgs(net.vlan) });
  }
}

/** A VLAN tag as the provider takes it (`vlan.tags[].id`, settable since provider v0.9.5). */
export const vlanArgs = (tag: number | undefined) => (tag === undefined ? undefined : { tags: [{ id: tag }] });
