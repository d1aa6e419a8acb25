import { type CpuMode, defaultCpuMode } from "../schema/compute";
import { formatCpuset } from "../schema/cpuset";
import { PAGE_SIZES } from "../schema/memory";
import { nameBasedUuid } from "../schema/uuid";
import { MAX_NIC_QUEUES } from "../schema/network";
import type { PciAddress } from "../schema/pci";
import { diskBus, type DiskSpec } from "../schema/storage";
import type { VmSpec } from "../schema/vm";
import type { DomainLayout } from "./layout";

/**
 * The domain as libvirt will see it, normalised: units in KiB, cpusets as canonical
 * text, disk targets and controller indices assigned. Both views, the domain XML
 * and the provider's arguments, are read off this one model, so they cannot disagree
 * about anything but spelling.
 */
export interface DomainModel {
  readonly name: string;
  readonly type: "kvm" | "qemu";
  readonly memoryKiB: number;
  readonly vcpus: number;
  readonly iothreads: number;
  readonly cpu: {
    readonly mode: CpuMode;
    readonly model?: string;
    readonly check?: "none" | "partial" | "full";
    readonly features: readonly { readonly name: string; readonly policy: string }[];
    readonly topology?: { readonly sockets: number; readonly dies: number; readonly cores: number; readonly threads: number };
    readonly cells: readonly { readonly id: number; readonly cpus: string; readonly memoryKiB: number; readonly memAccess?: string }[];
  };
  readonly memoryBacking?: {
    readonly hugepages?: { readonly sizeKiB: number; readonly nodeset?: string };
    readonly locked: boolean;
    readonly nosharepages: boolean;
    readonly access?: string;
    readonly source?: string;
  };
  readonly cputune?: {
    readonly vcpupins: readonly { readonly vcpu: number; readonly cpuset: string }[];
    readonly emulatorpin?: string;
    readonly iothreadpins: readonly { readonly iothread: number; readonly cpuset: string }[];
    readonly vcpusched?: { readonly vcpus: string; readonly scheduler: string; readonly priority: number };
  };
  readonly numatune?: {
    readonly memory?: { readonly mode: string; readonly nodeset: string };
    readonly memnodes: readonly { readonly cellid: number; readonly mode: string; readonly nodeset: string }[];
  };
  readonly os: { readonly machine: "q35" | "pc"; readonly firmware?: "efi" };
  readonly running: boolean;
  readonly disks: readonly DiskModel[];
  readonly interfaces: readonly InterfaceModel[];
  readonly hostdevs: readonly { readonly source: PciAddress; readonly managed: boolean; readonly guestAddress?: GuestPciAddress }[];
  readonly controllers: readonly ControllerModel[];
  /** A serial port on a host pty, and the console on it (`virsh console`). */
  readonly serialConsole: boolean;
  readonly graphics?: { readonly type: "vnc" | "spice"; readonly listen: string };
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

const KIB = 1024;

/** Device slots per expander bus before bus numbers of the next one would collide. */
const BUSES_PER_EXPANDER = 16;

export function buildDomainModel(vm: VmSpec, layout: DomainLayout, guestNodeOfDevice: DeviceGuestNodes = {}): DomainModel {
  const hp = vm.memory.hugepages;
  const hasCputune = layout.vcpuPins.length > 0 || layout.emulatorPin || layout.iothreadPins.length > 0 || vm.realtime;
  const { controllers: pciControllers, addressOf } = planExpanderBuses(vm, guestNodeOfDevice);
  const disks = assignDiskTargets(vm);
  const controllers = [...pciControllers, ...scsiController(vm, disks)];
  return {
    name: vm.name,
    type: vm.domainType,
    memoryKiB: vm.memory.size / KIB,
    vcpus: vm.vcpus,
    iothreads: vm.iothreads,
    cpu: {
      mode: vm.cpu.mode ?? defaultCpuMode(vm.domainType),
      model: vm.cpu.model,
      check: vm.cpu.check,
      features: vm.cpu.features,
      topology: vm.cpu.topology,
      cells: vm.numa.cells.map((c, id) => ({ id, cpus: formatCpuset(c.cpus), memoryKiB: c.memory / KIB, memAccess: c.memAccess })),
    },
    memoryBacking:
      hp || vm.memory.locked || vm.memory.nosharepages || vm.memory.access || vm.memory.source
        ? {
            hugepages: hp && { sizeKiB: PAGE_SIZES[hp.pageSize] / KIB, nodeset: hp.guestNodes && formatCpuset(hp.guestNodes) },
            locked: vm.memory.locked,
            nosharepages: vm.memory.nosharepages,
            access: vm.memory.access,
            source: vm.memory.source,
          }
        : undefined,
    cputune: hasCputune
      ? {
          vcpupins: layout.vcpuPins.map((p) => ({ vcpu: p.vcpu, cpuset: formatCpuset(p.cpus) })),
          emulatorpin: layout.emulatorPin && formatCpuset(layout.emulatorPin),
          iothreadpins: layout.iothreadPins.map((p) => ({ iothread: p.iothread, cpuset: formatCpuset(p.cpus) })),
          vcpusched: vm.realtime && {
            vcpus: formatCpuset(vm.realtime.vcpus ?? [...Array(vm.vcpus).keys()]),
            scheduler: vm.realtime.scheduler,
            priority: vm.realtime.priority,
          },
        }
      : undefined,
    numatune:
      layout.memoryNodes || layout.memnodes.length
        ? {
            memory: layout.memoryNodes && { mode: vm.numa.mode, nodeset: formatCpuset(layout.memoryNodes) },
            memnodes: layout.memnodes.map((m) => ({ cellid: m.cell, mode: m.mode, nodeset: formatCpuset(m.nodes) })),
          }
        : undefined,
    os: { machine: vm.chipset === "q35" ? "q35" : "pc", firmware: vm.firmware === "efi" ? "efi" : undefined },
    running: vm.running,
    disks,
    interfaces: vm.nics.map((n, i): InterfaceModel => {
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
    }),
    hostdevs: vm.hostdevs.map((h, i) => ({ source: h.address, managed: h.managed, guestAddress: addressOf(`hostdevs[${i}]`) })),
    controllers,
    serialConsole: vm.serialConsole,
    graphics: vm.graphics && { type: vm.graphics.type, listen: vm.graphics.listen },
  };
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

/** The model with MAC addresses learnt later (by NIC index) set on its interfaces. */
export function withMacs(d: DomainModel, macs: ReadonlyMap<number, string>): DomainModel {
  return { ...d, interfaces: d.interfaces.map((n, i) => (macs.has(i) ? { ...n, mac: macs.get(i) } : n)) };
}
