import { defaultCpuMode } from "../schema/compute";
import { formatCpuset } from "../schema/cpuset";
import { PAGE_SIZES } from "../schema/memory";
import type { VmSpec } from "../schema/vm";
import type { DomainModel } from "./domainModel";
import type { DomainLayout } from "./layout";

// The domain's CPU, memory and NUMA parts as the DomainModel holds them: the guest CPU and
// its cells, memory backing, the pins of cputune and the host nodes of numatune.

const KIB = 1024;

export function cpuModel(vm: VmSpec): DomainModel["cpu"] {
  return {
    mode: vm.cpu.mode ?? defaultCpuMode(vm.domainType),
    model: vm.cpu.model,
    check: vm.cpu.check,
    features: vm.cpu.features,
    topology: vm.cpu.topology,
    cells: vm.numa.cells.map((c, id) => ({ id, cpus: formatCpuset(c.cpus), memoryKiB: c.memory / KIB, memAccess: c.memAccess })),
  };
}

export function memoryBacking(vm: VmSpec): DomainModel["memoryBacking"] {
  const hp = vm.memory.hugepages;
  if (!(hp || vm.memory.locked || vm.memory.nosharepages || vm.memory.access || vm.memory.source)) return undefined;
  return {
    hugepages: hp && { sizeKiB: PAGE_SIZES[hp.pageSize] / KIB, nodeset: hp.guestNodes && formatCpuset(hp.guestNodes) },
    locked: vm.memory.locked,
    nosharepages: vm.memory.nosharepages,
    access: vm.memory.access,
    source: vm.memory.source,
  };
}

export function cputune(vm: VmSpec, layout: DomainLayout): DomainModel["cputune"] {
  if (!(layout.vcpuPins.length > 0 || layout.emulatorPin || layout.iothreadPins.length > 0 || vm.realtime)) return undefined;
  return {
    vcpupins: layout.vcpuPins.map((p) => ({ vcpu: p.vcpu, cpuset: formatCpuset(p.cpus) })),
    emulatorpin: layout.emulatorPin && formatCpuset(layout.emulatorPin),
    iothreadpins: layout.iothreadPins.map((p) => ({ iothread: p.iothread, cpuset: formatCpuset(p.cpus) })),
    vcpusched: vm.realtime && {
      vcpus: formatCpuset(vm.realtime.vcpus ?? [...Array(vm.vcpus).keys()]),
      scheduler: vm.realtime.scheduler,
      priority: vm.realtime.priority,
    },
  };
}

export function numatune(vm: VmSpec, layout: DomainLayout): DomainModel["numatune"] {
  if (!(layout.memoryNodes || layout.memnodes.length)) return undefined;
  return {
    memory: layout.memoryNodes && { mode: vm.numa.mode, nodeset: formatCpuset(layout.memoryNodes) },
    memnodes: layout.memnodes.map((m) => ({ cellid: m.cell, mode: m.mode, nodeset: formatCpuset(m.nodes) })),
  };
}
