import { z } from "zod";
import { HostPath, int, InterfaceName, LibvirtName, MacAddress, PciAddressText } from "./common";
import { formatIpv4, parseIpv4, parseIpv4Interface, subnetBounds } from "./ipv4";

/**
 * Network: emulated and virtio NICs on libvirt networks, host bridges (Linux or Open vSwitch)
 * and macvtap devices, vhost-user NICs served by a user-space switch, SR-IOV virtual functions
 * handed to the guest, and whole PCI devices passed through.
 */

export const NicModel = z.enum(["virtio", "e1000", "e1000e", "rtl8139"]);
/** An 802.1Q VLAN id; 4095 is reserved by the standard. */
export const Vlan = int(0, 4094, "VLAN tag");

/** Linux's limit on a multiqueue tap's queue pairs. */
export const MAX_NIC_QUEUES = 256;

/**
 * virtio multiqueue (`<driver name='vhost' queues='N'/>`): queue pairs, each served by its own
 * vhost thread and guest interrupt, so a guest's network load spreads over its vCPUs.
 * Default: one per vCPU (at most 256) for a pinned VM's virtio NICs; otherwise one.
 */
const Queues = int(1, MAX_NIC_QUEUES, "queue count").optional();

export const NetworkNic = z.object({
  type: z.literal("network"),
  /** libvirt network name. */
  network: LibvirtName,
  model: NicModel.default("virtio"),
  mac: MacAddress.optional(),
  queues: Queues,
});

/** An Open vSwitch port's identity (`<virtualport type='openvswitch'>`). */
export const OpenvswitchPort = z.object({
  type: z.literal("openvswitch"),
  /** The port's `external-ids:iface-id` in OVS (a UUID); default: libvirt makes one up. */
  interfaceId: z.uuid({ error: "expected a UUID like \"09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f\"" }).optional(),
  /** An OVS port profile name (`profileid`), for controllers that apply policy by profile. */
  profileId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, { message: "expected a profile name: at most 64 letters, digits, \"_\", \".\", \":\" or \"-\"" }).optional(),
});

export const BridgeNic = z.object({
  type: z.literal("bridge"),
  /** Host bridge interface, e.g. `br0` (a Linux bridge) or an Open vSwitch bridge with `virtualport`. */
  bridge: InterfaceName,
  model: NicModel.default("virtio"),
  mac: MacAddress.optional(),
  queues: Queues,
  /** The bridge is an Open vSwitch bridge: `{ type: "openvswitch", interfaceId?, profileId? }`. */
  virtualport: OpenvswitchPort.optional(),
});

/** macvtap modes (`<source mode>`): how the guest's traffic meets the host NIC's other users. */
export const MacvtapMode = z.enum(["bridge", "vepa", "passthrough", "private"], { error: 'expected a macvtap mode: "bridge", "vepa", "passthrough" or "private"' });

/**
 * A macvtap NIC on a host interface (`<interface type='direct'>`): no bridge in between.
 * `bridge` (default): guests on the device reach each other inside the host NIC; `vepa`: all
 * traffic goes out to the external switch (which must reflect it, 802.1Qbg); `passthrough`:
 * the whole device (often an SR-IOV VF) to one guest, which may change its MAC; `private`:
 * like vepa, but guests on the device never reach each other.
 */
export const DirectNic = z.object({
  type: z.literal("direct"),
  /** Host interface the macvtap device sits on, e.g. `eth0` or `enp59s0f0`. */
  dev: InterfaceName,
  mode: MacvtapMode.default("bridge"),
  model: NicModel.default("virtio"),
  mac: MacAddress.optional(),
  queues: Queues,
});

/**
 * A vhost-user NIC (`<interface type='vhostuser'>`): the guest's virtio rings are served by a
 * user-space switch (OVS-DPDK, VPP, Snabb) through a UNIX socket, which maps the guest's RAM:
 * so the VM's memory must be shared hugepages (a HugepageMemory with `shared: true`).
 */
export const VhostUserNic = z.object({
  type: z.literal("vhostuser"),
  /** The UNIX socket, e.g. `/var/run/openvswitch/vhu-db0`. */
  path: HostPath,
  /**
   * Who creates the socket: `server` (default): QEMU listens and the switch connects (OVS-DPDK's
   * `dpdkvhostuserclient` ports), so a restarted switch reconnects without restarting the guest;
   * `client`: the switch listens (`dpdkvhostuser` ports) and QEMU connects.
   */
  mode: z.enum(["server", "client"], { error: 'expected "server" (QEMU creates the socket) or "client" (the switch does)' }).default("server"),
  mac: MacAddress.optional(),
  queues: Queues,
});

/** An SR-IOV VF given to the guest by its PCI address (`<interface type='hostdev'>`). */
export const VfNic = z.object({
  type: z.literal("vf"),
  address: PciAddressText,
  mac: MacAddress.optional(),
  vlan: Vlan.optional(),
  /** Let the guest change the VF's MAC and receive filters (`trustGuestRxFilters`). */
  trust: z.boolean().default(false),
  /** Guest NUMA cell whose PCIe expander bus carries the device. */
  guestNode: int(0, 255, "guest NUMA cell").optional(),
});

/** A VF taken from a libvirt hostdev network built on a PF (`forward mode='hostdev'`). */
export const HostdevNetworkNic = z.object({
  type: z.literal("hostdev-network"),
  network: LibvirtName,
  mac: MacAddress.optional(),
  vlan: Vlan.optional(),
  /** Let the guest change the VF's MAC and receive filters (`trustGuestRxFilters`). */
  trust: z.boolean().default(false),
});

export const NicSpec = z.discriminatedUnion("type", [NetworkNic, BridgeNic, DirectNic, VhostUserNic, VfNic, HostdevNetworkNic], {
  error: 'expected a NIC with type "network", "bridge", "direct", "vhostuser", "vf" or "hostdev-network"',
});

/** A whole PCI device passed through (`<hostdev mode='subsystem' type='pci'>`). */
export const HostdevSpec = z.object({
  address: PciAddressText,
  /** Let libvirt detach the device from its host driver and bind it to vfio-pci. */
  managed: z.boolean().default(true),
  guestNode: int(0, 255, "guest NUMA cell").optional(),
});

/** An IPv4 address of the guests' DHCP range. */
const Ipv4Address = z.string({ error: "expected an IPv4 address string like \"192.168.10.1\"" }).transform(parsedText(parseIpv4, (n) => n));

/**
 * The host's side of a virtual network's IPv4 subnet, with the DHCP range libvirt's dnsmasq
 * leases to guests. The range must lie inside the subnet and leave out the host's address.
 */
export const Ipv4Subnet = z
  .object({
    /** The host's address on the network with the prefix length, CIDR: `"192.168.10.1/24"` (/8 to /30). Guests use it as gateway and DNS. */
    address: z
      .string({ error: "expected an IPv4 address with its prefix length, like \"192.168.10.1/24\"" })
      .transform(parsedText((t: string) => parseIpv4Interface(t, 8, 30), (v) => v)),
    /** Addresses leased to guests by DHCP, `{ start, end }` inside the subnet; default: no DHCP. */
    dhcp: z.object({ start: Ipv4Address, end: Ipv4Address }).optional(),
  })
  .superRefine((ip, ctx) => {
    // judged only when both parsed: a malformed address is its own problem
    if (!ip.dhcp || typeof ip.address !== "object" || typeof ip.dhcp.start !== "number" || typeof ip.dhcp.end !== "number") return;
    const host = parseIpv4(ip.address.address);
    const { network, broadcast } = subnetBounds(host, ip.address.prefix);
    const subnet = `${formatIpv4(network)}/${ip.address.prefix}`;
    const { start, end } = ip.dhcp;
    for (const [key, at] of [["start", start], ["end", end]] as const) {
      if (at <= network || at >= broadcast) {
        ctx.addIssue({ code: "custom", path: ["dhcp", key], message: `${formatIpv4(at)} is outside the subnet ${subnet} (its guests are ${formatIpv4(network + 1)}-${formatIpv4(broadcast - 1)})` });
      }
    }
    if (start > end) ctx.addIssue({ code: "custom", path: ["dhcp", "end"], message: `${formatIpv4(end)} comes before the start ${formatIpv4(start)}` });
    else if (start <= host && host <= end) {
      ctx.addIssue({ code: "custom", path: ["dhcp"], message: `the range ${formatIpv4(start)}-${formatIpv4(end)} holds the host's own address ${ip.address.address}; leave it out` });
    }
  })
  .transform((ip) => ({
    address: ip.address.address,
    prefix: ip.address.prefix,
    dhcp: ip.dhcp && { start: formatIpv4(ip.dhcp.start), end: formatIpv4(ip.dhcp.end) },
  }));

/** MTU of the network's bridge and the guests' NICs on it, in bytes (IPv4's minimum to a 64 KiB jumbo frame). */
const Mtu = int(68, 65535, "MTU").optional();

/** Start the network when the host boots (libvirt's autostart). Default true. */
const Autostart = z.boolean().default(true);

/**
 * A libvirt virtual network, by `mode`:
 * - `nat`: a bridge of libvirt's with an IPv4 subnet, DHCP and NAT to the host's uplinks;
 * - `isolated`: the same without forwarding: guests reach each other and the host only;
 * - `bridge`: guests join an existing Linux bridge of the host (`br0`);
 * - `openvswitch`: guests join an existing Open vSwitch bridge, each port an OVS port;
 * - `hostdev`: a pool of the SR-IOV VFs of a PF; each NIC takes a free VF when its VM starts.
 */
export const NetworkSpec = z.discriminatedUnion(
  "mode",
  [
    z.object({
      mode: z.literal("nat"),
      name: LibvirtName,
      /** The bridge libvirt creates; default: libvirt picks `virbrN`. */
      bridge: InterfaceName.optional(),
      ipv4: Ipv4Subnet,
      mtu: Mtu,
      autostart: Autostart,
    }),
    z.object({ mode: z.literal("isolated"), name: LibvirtName, bridge: InterfaceName.optional(), ipv4: Ipv4Subnet.optional(), mtu: Mtu, autostart: Autostart }),
    z.object({
      mode: z.literal("bridge"),
      name: LibvirtName,
      /** The host's existing Linux bridge, e.g. `br0`. */
      bridge: InterfaceName,
      autostart: Autostart,
    }),
    z.object({
      mode: z.literal("openvswitch"),
      name: LibvirtName,
      /** The host's existing Open vSwitch bridge, e.g. `ovsbr0`. */
      bridge: InterfaceName,
      /** 802.1Q VLAN tag of the network's OVS ports (an access port). */
      vlan: Vlan.optional(),
      autostart: Autostart,
    }),
    z.object({
      mode: z.literal("hostdev"),
      name: LibvirtName,
      /** The physical function whose VFs the pool hands out, e.g. `enp59s0f0`. */
      pf: InterfaceName,
      /** 802.1Q VLAN tag libvirt sets on each VF it hands out. */
      vlan: Vlan.optional(),
      autostart: Autostart,
    }),
  ],
  { error: 'expected a network mode: "nat", "isolated", "bridge", "openvswitch" or "hostdev"' },
);

/** Runs a throwing parser and reports its message as an issue at the current path. */
function parsedText<T, U>(parse: (t: string) => T, out: (v: T) => U) {
  return (text: string, ctx: z.RefinementCtx): U => {
    try {
      return out(parse(text));
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  };
}

export type NicSpec = z.infer<typeof NicSpec>;
export type NicSpecInput = z.input<typeof NicSpec>;
export type HostdevSpec = z.infer<typeof HostdevSpec>;
export type NetworkSpec = z.infer<typeof NetworkSpec>;
export type NetworkSpecInput = z.input<typeof NetworkSpec>;
