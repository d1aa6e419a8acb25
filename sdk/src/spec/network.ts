import { z } from "zod";
import { int, InterfaceName, LibvirtName, MacAddress, PciAddressText } from "./common";

/**
 * Network: emulated and virtio NICs on libvirt networks or bridges, SR-IOV virtual
 * functions handed to the guest, and whole PCI devices passed through.
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

export const BridgeNic = z.object({
  type: z.literal("bridge"),
  /** Host bridge interface, e.g. `br0`. */
  bridge: InterfaceName,
  model: NicModel.default("virtio"),
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

export const NicSpec = z.discriminatedUnion("type", [NetworkNic, BridgeNic, VfNic, HostdevNetworkNic], {
  error: 'expected a NIC with type "network", "bridge", "vf" or "hostdev-network"',
});

/** A whole PCI device passed through (`<hostdev mode='subsystem' type='pci'>`). */
export const HostdevSpec = z.object({
  address: PciAddressText,
  /** Let libvirt detach the device from its host driver and bind it to vfio-pci. */
  managed: z.boolean().default(true),
  guestNode: int(0, 255, "guest NUMA cell").optional(),
});

/** A libvirt network: NAT/bridge for virtio NICs, or a VF pool on an SR-IOV PF. */
export const NetworkSpec = z.discriminatedUnion("forward", [
  z.object({ forward: z.literal("nat"), name: LibvirtName, bridge: InterfaceName.optional(), ipv4: z.object({ address: z.ipv4(), prefix: int(8, 30, "prefix length") }).optional() }),
  z.object({ forward: z.literal("bridge"), name: LibvirtName, bridge: InterfaceName }),
  z.object({ forward: z.literal("hostdev"), name: LibvirtName, pf: InterfaceName }),
]);

export type NicSpec = z.infer<typeof NicSpec>;
export type HostdevSpec = z.infer<typeof HostdevSpec>;
export type NetworkSpec = z.infer<typeof NetworkSpec>;
