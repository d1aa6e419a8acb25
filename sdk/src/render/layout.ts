import type { VmSpec } from "../schema/vm";

/**
 * Where a domain's threads and memory go on the host: the part of the domain that
 * planning decides. Explicit pinning gives it directly; auto pinning gets it from the
 * allocator's placement. Renderers read only this, never the pinning mode.
 */
export interface DomainLayout {
  readonly vcpuPins: readonly { readonly vcpu: number; readonly cpus: readonly number[] }[];
  readonly emulatorPin?: readonly number[];
  readonly iothreadPins: readonly { readonly iothread: number; readonly cpus: readonly number[] }[];
  /** Host nodes of `<numatune><memory>`; undefined = no global memory binding. */
  readonly memoryNodes?: readonly number[];
  readonly memnodes: readonly { readonly cell: number; readonly mode: VmSpec["numa"]["mode"]; readonly nodes: readonly number[] }[];
}

/** The subset of an allocator placement that rendering needs (see host/allocator). */
export interface PlacementForLayout {
  readonly vcpus: readonly { readonly vcpu: number; readonly hostCpus: readonly number[] }[];
  readonly emulator: readonly number[];
  readonly iothreads: readonly { readonly id: number; readonly hostCpus: readonly number[] }[];
  readonly guestCells: readonly { readonly cell: number; readonly hostNode: number }[];
  readonly memory: readonly { readonly node: number }[];
  readonly nodes: readonly number[];
}

const nonEmpty = <T>(xs: T[]): T[] | undefined => (xs.length ? xs : undefined);

/** Layout from the spec alone: explicit pinning and NUMA binding as written, nothing for auto. */
export function layoutFromSpec(vm: VmSpec): DomainLayout {
  const p = vm.pinning && vm.pinning !== "auto" ? vm.pinning : undefined;
  return {
    vcpuPins: p ? p.vcpus.map((cpus, vcpu) => ({ vcpu, cpus })) : [],
    emulatorPin: p?.emulator,
    // iothreads not pinned by hand run with the emulator, off the vCPUs' CPUs
    iothreadPins: p ? Array.from({ length: vm.iothreads }, (_, i) => ({ iothread: i + 1, cpus: p.iothreads?.[i] ?? p.emulator })).filter((t): t is { iothread: number; cpus: number[] } => !!t.cpus) : [],
    memoryNodes: vm.numa.hostNodes,
    memnodes: vm.numa.memnodes.map((m) => ({ cell: m.cell, mode: m.mode, nodes: m.hostNodes })),
  };
}

/**
 * Layout from an allocator placement. What the user wrote explicitly (host nodes,
 * memnodes) wins over what placement chose; placement fills in the rest.
 */
export function layoutFromPlacement(vm: VmSpec, placement: PlacementForLayout): DomainLayout {
  const explicitMemnodes = new Set(vm.numa.memnodes.map((m) => m.cell));
  return {
    vcpuPins: placement.vcpus.map((v) => ({ vcpu: v.vcpu, cpus: v.hostCpus })),
    emulatorPin: placement.emulator.length ? placement.emulator : undefined,
    // an empty cpuset is no pin: libvirt refuses cpuset=""
    iothreadPins: placement.iothreads.filter((t) => t.hostCpus.length).map((t) => ({ iothread: t.id, cpus: t.hostCpus })),
    // where placement put the memory (which explicit bindings decided), else where the vCPUs run
    memoryNodes: vm.numa.hostNodes ?? nonEmpty([...new Set([...placement.memory.map((m) => m.node), ...placement.nodes])].sort((a, b) => a - b)),
    memnodes: [
      ...vm.numa.memnodes.map((m) => ({ cell: m.cell, mode: m.mode, nodes: m.hostNodes })),
      ...placement.guestCells
        .filter((g) => !explicitMemnodes.has(g.cell))
        .map((g) => ({ cell: g.cell, mode: vm.numa.mode, nodes: [g.hostNode] })),
    ].sort((a, b) => a.cell - b.cell),
  };
}
