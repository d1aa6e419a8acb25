import type { DeviceDemand, Placement, VmDemand } from "../../host/demand";
import { passthroughGuestNodes, type DeviceGuestNodes } from "../../render/domainDevices";
import { PAGE_SIZES } from "../../schema/memory";
import type { ExpanderBus } from "../../schema/platform";
import { VmSpec } from "../../schema/vm";
import { PinnedVmOptions, type OnOneHost } from "./args";
import { PciPassthrough } from "../../network/pciPassthrough/PciPassthrough";
import { SriovNic } from "../../network/sriovNic/SriovNic";

import { type PfNic } from "./specInput";
/** What the VM asks of its host's ledger: CPUs, memory per cell and page size, devices. */
export function demandOf(spec: VmSpec, args: OnOneHost, options: PinnedVmOptions, component: string, pfNics: PfNic[]): VmDemand {
  const pinning = spec.pinning ?? "auto";
  const hp = spec.memory.hugepages;
  const pfIndex = new Map(pfNics.map((p) => [p.index, p.nic]));
  const devices: DeviceDemand[] = [];
  spec.nics.forEach((n, i) => {
    const owner = args.nics?.[i] instanceof SriovNic ? (args.nics[i] as SriovNic).component : component;
    const pfNic = pfIndex.get(i);
    const nic = args.nics?.[i] instanceof SriovNic ? (args.nics[i] as SriovNic) : undefined;
    // a VF named by address and PF: the ledger checks that the VF is the PF's
    if (pfNic) devices.push({ kind: "vf", owner, path: `nics[${i}]`, pf: pfNic.pf });
    else if (n.type === "vf") devices.push({ kind: "vf", owner, path: `nics[${i}]`, address: n.address, ...(nic?.pf ? { pf: nic.pf } : {}) });
  });
  spec.hostdevs.forEach((h, i) => {
    const owner = args.hostdevs?.[i] instanceof PciPassthrough ? (args.hostdevs[i] as PciPassthrough).component : component;
    devices.push({ kind: "pci", owner, path: `hostdevs[${i}]`, address: h.address });
  });
  // Only hugepage memory is claimed from the host's pools (ordinary memory is not accounted):
  // with hugepages on some guest cells only, the others count for nothing.
  const backed = (cell: number) => !hp?.guestNodes || hp.guestNodes.includes(cell);
  const boundTo = new Map(spec.numa.memnodes.map((m) => [m.cell, m.hostNodes]));
  const cells = spec.numa.cells.map((c, i) => ({ vcpus: c.cpus, memoryBytes: hp && !backed(i) ? 0 : c.memory, hostNodes: boundTo.get(i) }));
  return {
    owner: component,
    vcpus: spec.vcpus,
    threadsPerCore: spec.cpu.topology?.threads ?? 1,
    pinning: pinning === "auto" ? "auto" : { vcpus: pinning.vcpus, emulator: pinning.emulator, iothreads: pinning.iothreads },
    iothreads: spec.iothreads,
    emulator: options.emulator,
    numa: spec.numa.allowSpanning ? "spread" : "local",
    guestCells: cells.length ? cells : undefined,
    memory: { bytes: hp?.guestNodes ? cells.reduce((sum, c) => sum + c.memoryBytes, 0) : spec.memory.size, pageSizeBytes: hp && PAGE_SIZES[hp.pageSize], hostNodes: spec.numa.hostNodes },
    devices,
    strictLocality: options.strictLocality,
  };
}

/** Puts the VFs placement picked for PF NICs into the spec, as hostdev interfaces. */
export function withChosenVfs(spec: VmSpec, placement: Placement, pfNics: PfNic[]): VmSpec {
  if (!pfNics.length) return spec;
  const chosen = new Map(placement.devices.map((d) => [d.path, d.address]));
  const nics = spec.nics.map((n, i) => {
    const address = chosen.get(`nics[${i}]`);
    if (!pfNics.some((p) => p.index === i) || !address || n.type !== "hostdev-network") return n;
    return { type: "vf" as const, address, mac: n.mac, vlan: n.vlan, trust: pfNics.find((p) => p.index === i)!.nic.trust };
  });
  return { ...spec, nics };
}

/** Guest cell of each placed device: the cell that placement put on the device's host node. */
export function guestNodesOfDevices(placement: Placement): DeviceGuestNodes {
  const cellOfHostNode = new Map<number, number>();
  for (const g of placement.guestCells) if (!cellOfHostNode.has(g.hostNode)) cellOfHostNode.set(g.hostNode, g.cell);
  const out: Record<string, number> = {};
  for (const d of placement.devices) {
    const cell = d.node === undefined ? undefined : cellOfHostNode.get(d.node);
    if (cell !== undefined) out[d.path] = cell;
  }
  return out;
}

/** The expander buses the domain gets: as given, none, or (auto) one per guest cell that holds a passthrough device. */
export function expanderBuses(spec: VmSpec, wanted: PinnedVmOptions["expanderBuses"], deviceNodes: DeviceGuestNodes): ExpanderBus[] {
  if (Array.isArray(wanted)) return spec.expanderBuses;
  if (wanted === "none") return [];
  const nodes = passthroughGuestNodes(spec, deviceNodes).flatMap((d) => (d.node === undefined ? [] : [d.node]));
  const cells = [...new Set(nodes)].sort((a, b) => a - b);
  return spec.numa.cells.length ? cells.map((guestNode) => ({ guestNode })) : [];
}
