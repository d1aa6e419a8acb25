import { nameBasedUuid } from "../schema/uuid";
import { MAX_NIC_QUEUES } from "../schema/network";
import type { PciAddress } from "../schema/pci";
import { diskBus, type DiskSpec } from "../schema/storage";
import type { VmSpec } from "../schema/vm";

// The domain's devices as the DomainModel holds them: disks and CD-ROMs with their targets,
// interfaces, passed-through PCI devices and the controllers they sit behind (expander
// buses, root ports, virtio-scsi).

/** The devices of a domain, read off the spec; `guestNodeOfDevice` places passthrough devices the spec gives no guest cell. */
export function deviceModels(
  vm: VmSpec,
  guestNodeOfDevice: DeviceGuestNodes,
): { disks: DiskModel[]; interfaces: InterfaceModel[]; hostdevs: HostdevModel[]; controllers: ControllerModel[] } {
  const { controllers: pciControllers, addressOf } = planExpanderBuses(vm, guestNodeOfDevice);
  const disks = assignDiskTargets(vm);
  return {
    disks,
    interfaces: vm.nics.map((n, i) => interfaceModel(vm, n, i, addressOf)),
    hostdevs: vm.hostdevs.map((h, i) => ({ source: h.address, managed: h.managed, guestAddress: addressOf(`hostdevs[${i}]`) })),
    controllers: [...pciControllers, ...scsiController(vm, disks)],
  };
}

export interface DiskModel {
  /** A disk, or a read-only CD-ROM (which takes the host's defaults for cache, I/O and discard). */
  readonly device: "disk" | "cdrom";
  readonly source: DiskSource;
  /** A network disk's user and the usage of the libvirt secret with its key. */
  readonly auth?: { readonly username: string; readonly secretType: "ceph" | "iscsi"; readonly secretUsage: string };
  readonly format: "qcow2" | "raw";
  readonly target: string;
  readonly bus: "virtio" | "scsi" | "sata";
  readonly cache?: string;
  readonly io?: string;
  readonly discard?: string;
  readonly readonly: boolean;
  readonly iothread?: number;
  readonly encryptionSecretUuid?: string;
}

export type DiskSource = DiskSpec["source"];

/** A network disk as libvirt names it: protocol, `name` (IQN/LUN or pool/image) and hosts. */
export function networkSource(source: DiskSource): { protocol: "iscsi" | "rbd"; name: string; hosts: { name: string; port: number }[] } | undefined {
  if ("iscsi" in source) return { protocol: "iscsi", name: `${source.iscsi.target}/${source.iscsi.lun}`, hosts: [{ name: source.iscsi.portal.host, port: source.iscsi.portal.port }] };
  if ("rbd" in source) return { protocol: "rbd", name: `${source.rbd.pool}/${source.rbd.image}`, hosts: source.rbd.monitors.map((m) => ({ name: m.host, port: m.port })) };
  return undefined;
}

/** libvirt's disk type for a source. */
export function diskType(source: DiskSource): "volume" | "file" | "block" | "network" {
  if ("pool" in source) return "volume";
  if ("device" in source) return "block";
  if ("file" in source) return "file";
  return "network";
}

export type InterfaceModel =
  | { readonly kind: "network"; readonly network: string; readonly model?: string; readonly mac?: string; readonly vlan?: number; readonly trust?: boolean; readonly queues?: number }
  | { readonly kind: "bridge"; readonly bridge: string; readonly model: string; readonly mac?: string; readonly queues?: number; readonly openvswitch?: OpenvswitchPortModel }
  | { readonly kind: "direct"; readonly dev: string; readonly mode: string; readonly model: string; readonly mac?: string; readonly queues?: number }
  | { readonly kind: "vhostuser"; readonly path: string; readonly mode: "server" | "client"; readonly mac?: string; readonly queues?: number }
  | {
      readonly kind: "hostdev";
      readonly source: PciAddress;
      readonly mac?: string;
      readonly vlan?: number;
      readonly trust: boolean;
      readonly guestAddress?: GuestPciAddress;
    };

/** An Open vSwitch port (`<virtualport type='openvswitch'>`), with the identity the spec gave it. */
export interface OpenvswitchPortModel {
  readonly interfaceId?: string;
  readonly profileId?: string;
}

/** A slot on the guest's PCI(e) topology: bus = index of the controller that provides it. */
export interface GuestPciAddress {
  readonly bus: number;
  readonly slot: number;
}

export type ControllerModel =
  | {
      readonly kind: "expander";
      readonly index: number;
      readonly model: "pcie-expander-bus" | "pci-expander-bus";
      /** QEMU's device for it (`<model name>`): pxb-pcie on q35, pxb on i440fx. */
      readonly device: "pxb-pcie" | "pxb";
      readonly busNr: number;
      readonly node: number;
    }
  | { readonly kind: "root-port"; readonly index: number; readonly address: GuestPciAddress }
  /** The virtio-scsi controller of the VM's scsi disks: a request queue per vCPU, and an iothread when the VM has them. */
  | { readonly kind: "scsi"; readonly index: number; readonly queues: number; readonly iothread?: number };


/** A whole PCI device passed through, and where the guest sees it when it sits behind an expander bus. */
export interface HostdevModel {
  readonly source: PciAddress;
  readonly managed: boolean;
  readonly guestAddress?: GuestPciAddress;
}

/** Device slots per expander bus before bus numbers of the next one would collide. */
const BUSES_PER_EXPANDER = 16;

function interfaceModel(vm: VmSpec, n: VmSpec["nics"][number], i: number, addressOf: (path: string) => GuestPciAddress | undefined): InterfaceModel {
  switch (n.type) {
    case "network":
      return { kind: "network", network: n.network, model: n.model, mac: n.mac, queues: nicQueues(vm, n) };
    case "bridge":
      return {
        kind: "bridge",
        bridge: n.bridge,
        model: n.model,
        mac: n.mac,
        queues: nicQueues(vm, n),
        openvswitch: n.virtualport && { interfaceId: n.virtualport.interfaceId ?? ovsInterfaceId(vm.name, i), profileId: n.virtualport.profileId },
      };
    case "direct":
      return { kind: "direct", dev: n.dev, mode: n.mode, model: n.model, mac: n.mac, queues: nicQueues(vm, n) };
    case "vhostuser":
      // always virtio: vhost-user is a virtio back end
      return { kind: "vhostuser", path: n.path, mode: n.mode, mac: n.mac, queues: nicQueues(vm, { ...n, model: "virtio" }) };
    case "vf":
      return { kind: "hostdev", source: n.address, mac: n.mac, vlan: n.vlan, trust: n.trust, guestAddress: addressOf(`nics[${i}]`) };
    case "hostdev-network":
      return { kind: "network", network: n.network, mac: n.mac, vlan: n.vlan, trust: n.trust };
  }
}

/**
 * The guest cell of each passthrough device (VF NICs, then hostdevs): the one the spec
 * names, else the one placement derived from the device's host node, else none.
 */
export function passthroughGuestNodes(vm: VmSpec, guestNodeOfDevice: DeviceGuestNodes): { path: string; node: number | undefined }[] {
  return [
    ...vm.nics.flatMap((n, i) => (n.type === "vf" ? [{ path: `nics[${i}]`, node: n.guestNode ?? guestNodeOfDevice[`nics[${i}]`] }] : [])),
    ...vm.hostdevs.map((h, i) => ({ path: `hostdevs[${i}]`, node: h.guestNode ?? guestNodeOfDevice[`hostdevs[${i}]`] })),
  ];
}

/** Guest NUMA cell of a passthrough device, by its path in the spec (`nics[2]`, `hostdevs[0]`), from placement. */
export type DeviceGuestNodes = Readonly<Record<string, number>>;

/**
 * A stable OVS port id for a NIC given none: libvirt would make up a new one at every define, and
 * provider v0.9.7 redefines the domain on every update, so the port would change identity each time.
 */
function ovsInterfaceId(domain: string, nic: number): string {
  return nameBasedUuid(`virtkit/ovs/${domain}/nics[${nic}]`);
}

/** Queue pairs of a virtio NIC: as asked, else one per vCPU for a pinned VM (whose vCPUs each serve their own), else one. */
function nicQueues(vm: VmSpec, nic: { model: string; queues?: number }): number | undefined {
  if (nic.model !== "virtio") return undefined;
  const queues = nic.queues ?? (vm.pinning ? Math.min(vm.vcpus, MAX_NIC_QUEUES) : 1);
  return queues > 1 ? queues : undefined;
}

function assignDiskTargets(vm: VmSpec): DiskModel[] {
  const used = new Set(vm.disks.map((d) => d.target).filter((t): t is string => !!t));
  const next = { vd: 0, sd: 0 };
  const nextFree = (prefix: "vd" | "sd"): string => {
    for (;;) {
      const name = `${prefix}${diskLetters(next[prefix]++)}`;
      if (!used.has(name)) return name;
    }
  };
  const disks = vm.disks.map((d): DiskModel => {
    const bus = diskBus(d);
    const target = d.target ?? nextFree(bus === "virtio" ? "vd" : "sd");
    return {
      device: "disk",
      source: d.source,
      // a block device or network disk is most often the disk itself; a pool volume or file most often qcow2
      format: d.format ?? (diskType(d.source) === "block" || diskType(d.source) === "network" ? "raw" : "qcow2"),
      auth: d.auth && { username: d.auth.username, secretType: d.auth.secret.type, secretUsage: d.auth.secret.usage },
      target,
      bus,
      cache: d.cache,
      io: d.io,
      discard: d.discard,
      readonly: d.readonly,
      iothread: d.iothread,
      encryptionSecretUuid: d.encryption?.secretUuid,
    };
  });
  // CD-ROMs on SATA (q35 has no IDE), named after every disk so no disk's name moves
  const cdroms = vm.cdroms.map((c): DiskModel => ({ device: "cdrom", source: c.source, format: "raw", target: nextFree("sd"), bus: "sata", readonly: true }));
  return [...disks, ...cdroms];
}

/** The virtio-scsi controller, when a disk needs it: one request queue per vCPU, as many as virtio-scsi takes. */
function scsiController(vm: VmSpec, disks: readonly DiskModel[]): ControllerModel[] {
  if (!disks.some((d) => d.bus === "scsi")) return [];
  // the iothread after the virtio disks' turn
  const iothread = vm.iothreads > 0 ? (disks.filter((d) => d.bus === "virtio").length % vm.iothreads) + 1 : undefined;
  return [{ kind: "scsi", index: 0, queues: Math.min(vm.vcpus, VIRTIO_SCSI_MAX_QUEUES), iothread }];
}

/** QEMU's limit on virtio-scsi request queues (VIRTIO_QUEUE_MAX less the control and event queues). */
const VIRTIO_SCSI_MAX_QUEUES = 1022;

/** 0 -> a, 25 -> z, 26 -> aa: the kernel's naming of virtio disks. */
function diskLetters(n: number): string {
  const letter = String.fromCharCode(97 + (n % 26));
  return n < 26 ? letter : diskLetters(Math.floor(n / 26) - 1) + letter;
}

/**
 * One expander bus per requested guest cell. On q35 each device behind a
 * pcie-expander-bus sits in its own pcie-root-port (PCIe devices need a port); on
 * i440fx devices plug straight into the pci-expander-bus.
 */
function planExpanderBuses(vm: VmSpec, guestNodeOfDevice: DeviceGuestNodes) {
  const controllers: ControllerModel[] = [];
  const addresses = new Map<string, GuestPciAddress>();
  const busOfNode = new Map<number, number>();
  let index = 1; // index 0 is the root bus libvirt always has
  vm.expanderBuses.forEach((b, k) => {
    const busNr = b.busNr ?? 256 - BUSES_PER_EXPANDER * (k + 1);
    const q35 = vm.chipset === "q35";
    controllers.push({ kind: "expander", index, model: q35 ? "pcie-expander-bus" : "pci-expander-bus", device: q35 ? "pxb-pcie" : "pxb", busNr, node: b.guestNode });
    busOfNode.set(b.guestNode, index++);
  });
  const slotsUsed = new Map<number, number>();
  for (const { path, node } of passthroughGuestNodes(vm, guestNodeOfDevice)) {
    const expander = node === undefined ? undefined : busOfNode.get(node);
    if (expander === undefined) continue;
    const slot = slotsUsed.get(expander) ?? 0;
    slotsUsed.set(expander, slot + 1);
    if (vm.chipset === "q35") {
      controllers.push({ kind: "root-port", index, address: { bus: expander, slot } });
      addresses.set(path, { bus: index++, slot: 0 });
    } else {
      addresses.set(path, { bus: expander, slot });
    }
  }
  return { controllers, addressOf: (path: string) => addresses.get(path) };
}
