import type { Placement } from "./demand";
import { formatCpuset } from "../schema/cpuset";
import { formatPciAddress } from "../schema/pci";
import { formatSize } from "../schema/units";
import type { VmSpec } from "../schema/vm";

/** A VM's placement as plain, readable data: the `placement` output of PinnedVm. */
export interface PlacementReport {
  readonly host: string;
  readonly vcpus: readonly { readonly vcpu: number; readonly hostCpus: string; readonly node?: number }[];
  readonly emulator?: string;
  readonly iothreads: readonly { readonly iothread: number; readonly hostCpus: string }[];
  readonly memory: readonly { readonly node?: number; readonly size: string; readonly pageSize?: string; readonly pages?: number }[];
  readonly devices: readonly { readonly path: string; readonly address: string; readonly node?: number }[];
}

export function placementReport(host: string, spec: VmSpec, placement: Placement | undefined): PlacementReport {
  if (placement) {
    return {
      host,
      vcpus: placement.vcpus.map((v) => ({ vcpu: v.vcpu, hostCpus: formatCpuset(v.hostCpus), node: v.node })),
      emulator: placement.emulator.length ? formatCpuset(placement.emulator) : undefined,
      iothreads: placement.iothreads.map((t) => ({ iothread: t.id, hostCpus: formatCpuset(t.hostCpus) })),
      memory: placement.memory.map((m) => ({ node: m.node, size: formatSize(m.bytes), pageSize: m.pageSizeBytes ? formatSize(m.pageSizeBytes) : undefined, pages: m.pages })),
      devices: placement.devices.map((d) => ({ path: d.path, address: formatPciAddress(d.address), node: d.node })),
    };
  }
  // Unknown host: report what the spec pins explicitly.
  const p = spec.pinning && spec.pinning !== "auto" ? spec.pinning : undefined;
  return {
    host,
    vcpus: p ? p.vcpus.map((cpus, vcpu) => ({ vcpu, hostCpus: formatCpuset(cpus) })) : [],
    emulator: p?.emulator && formatCpuset(p.emulator),
    iothreads: (p?.iothreads ?? []).map((cpus, i) => ({ iothread: i + 1, hostCpus: formatCpuset(cpus) })),
    memory: [{ size: formatSize(spec.memory.size), pageSize: spec.memory.hugepages?.pageSize }],
    devices: [
      ...spec.nics.flatMap((n, i) => (n.type === "vf" ? [{ path: `nics[${i}]`, address: formatPciAddress(n.address) }] : [])),
      ...spec.hostdevs.map((h, i) => ({ path: `hostdevs[${i}]`, address: formatPciAddress(h.address) })),
    ],
  };
}
