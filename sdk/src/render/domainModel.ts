import type { CpuMode } from "../schema/compute";
import type { VmSpec } from "../schema/vm";
import { cpuModel, cputune, memoryBacking, numatune } from "./domainCpuMemory";
import { deviceModels, type ControllerModel, type DeviceGuestNodes, type DiskModel, type HostdevModel, type InterfaceModel } from "./domainDevices";
import type { DomainLayout } from "./layout";
import { directBootModel, type DirectBootModel } from "./directBoot";

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
  readonly os: { readonly machine: "q35" | "pc"; readonly firmware?: "efi" } & DirectBootModel;
  readonly running: boolean;
  readonly disks: readonly DiskModel[];
  readonly interfaces: readonly InterfaceModel[];
  readonly hostdevs: readonly HostdevModel[];
  readonly controllers: readonly ControllerModel[];
  /** A serial port on a host pty, and the console on it (`virsh console`). */
  readonly serialConsole: boolean;
  readonly graphics?: { readonly type: "vnc" | "spice"; readonly listen: string };
}

const KIB = 1024;

/** The model of a VM's domain: its CPU, memory and NUMA parts (domainCpuMemory.ts) and its devices (domainDevices.ts). */
export function buildDomainModel(vm: VmSpec, layout: DomainLayout, guestNodeOfDevice: DeviceGuestNodes = {}): DomainModel {
  return {
    name: vm.name,
    type: vm.domainType,
    memoryKiB: vm.memory.size / KIB,
    vcpus: vm.vcpus,
    iothreads: vm.iothreads,
    cpu: cpuModel(vm),
    memoryBacking: memoryBacking(vm),
    cputune: cputune(vm, layout),
    numatune: numatune(vm, layout),
    os: { machine: vm.chipset === "q35" ? "q35" : "pc", firmware: vm.firmware === "efi" ? "efi" : undefined, ...directBootModel(vm) },
    running: vm.running,
    ...deviceModels(vm, guestNodeOfDevice),
    serialConsole: vm.serialConsole,
    graphics: vm.graphics && { type: vm.graphics.type, listen: vm.graphics.listen },
  };
}

/** The model with MAC addresses learnt later (by NIC index) set on its interfaces. */
export function withMacs(d: DomainModel, macs: ReadonlyMap<number, string>): DomainModel {
  return { ...d, interfaces: d.interfaces.map((n, i) => (macs.has(i) ? { ...n, mac: macs.get(i) } : n)) };
}
