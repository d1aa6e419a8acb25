import { formatPciAddress, samePciAddress, type PciAddress } from "../schema/pci";
import type { DeviceDemand, DeviceHold, LedgerIssue, VmDemand } from "./demand";
import { pfLabel } from "./devices";
import { listedDevices, listedPfs } from "./factChecks";
import type { Draft } from "./draft";
import type { HostPciDevice } from "./model";
import { pciAddressKey } from "./nodedev";

/** A device chosen for one entry of `demand.devices`, before it is committed. */
export interface DeviceChoice {
  readonly demand: DeviceDemand;
  readonly address: PciAddress;
  readonly node: number | undefined;
  readonly pf?: string;
  readonly iommuGroup?: number;
}

/** Devices chosen so far for one demand, by PCI address. */
export type TakenDevices = ReadonlyMap<string, DeviceChoice>;

/**
 * Chooses the device for one demand entry and checks it against holders in the ledger
 * and earlier entries of the same demand. A VF request without PF or address takes the
 * first free VF of the PFs on `preferNodes` (in order), then of any PF.
 */
export function resolveDevice(draft: Draft, demand: VmDemand, d: DeviceDemand, taken: TakenDevices, preferNodes: readonly number[], errors: LedgerIssue[]): DeviceChoice | undefined {
  const issue = (reason: string, other?: string) => void errors.push({ owner: d.owner, path: d.path, reason, ...(other ? { other } : {}) });
  const { devices: pci, hostName } = draft.view;
  if (d.kind === "pci" || d.address) {
    const address = d.address!;
    const dev = pci.device(address);
    const pf = d.kind === "vf" ? pci.pfOfVf(address) : undefined;
    if (d.kind === "vf" && pci.known && !pf) return issue(`no SR-IOV VF at ${formatPciAddress(address)} on host ${hostName} (${listedPfs(pci)})`);
    if (d.kind === "pci" && pci.known && !dev) return issue(`no PCI device at ${formatPciAddress(address)} on host ${hostName} (${listedDevices(pci)})`);
    if (d.kind === "vf" && d.pf !== undefined && pf) {
      const wanted = pci.findPf(d.pf);
      if (wanted && !samePciAddress(wanted.address, pf.address)) return issue(`VF ${formatPciAddress(address)} belongs to ${pfLabel(pf)}, not to ${d.pf}`);
    }
    const blocked = conflict(draft, address, dev?.iommuGroup ?? undefined, demand.owner, taken, d.kind === "vf" ? "VF" : "PCI device");
    if (blocked) return issue(blocked.reason, blocked.other);
    return { demand: d, address, node: dev?.node ?? pf?.node, ...(pf ? { pf: pfLabel(pf) } : {}), ...(dev?.iommuGroup !== undefined ? { iommuGroup: dev.iommuGroup } : {}) };
  }
  let pfs: HostPciDevice[];
  if (d.pf !== undefined) {
    const pf = pci.findPf(d.pf);
    if (!pf) return issue(`no SR-IOV PF "${d.pf}" on host ${hostName} (${pci.known ? listedPfs(pci) : "no PF known; pass the nodedev documents"})`);
    if (!pf.sriov) return issue(`${d.pf} (${formatPciAddress(pf.address)}) is not an SR-IOV physical function`);
    pfs = [pf];
  } else {
    const rankNode = (n: number | undefined) => { const i = preferNodes.indexOf(n ?? -1); return i < 0 ? preferNodes.length : i; };
    pfs = pci.pfs.sort((a, b) => rankNode(a.node) - rankNode(b.node) || pciAddressKey(a.address) - pciAddressKey(b.address));
    if (pfs.length === 0) return issue(`host ${hostName} has no SR-IOV PF with VFs; pass the nodedev documents or name a VF address`);
  }
  const free = firstFreeVf(draft, demand, d, pfs, taken);
  if (free) return free;
  if (d.pf === undefined) return issue(`no free VF is left on any PF of host ${hostName}`);
  const full = fullPfIssue(draft, pfs[0], taken);
  return issue(full.reason, full.other);
}

/** The first VF of `pfs` (in order) that is neither held, taken by this demand, in a held group, nor kept by the lock. */
function firstFreeVf(draft: Draft, demand: VmDemand, d: DeviceDemand, pfs: readonly HostPciDevice[], taken: TakenDevices): DeviceChoice | undefined {
  for (const pf of pfs) {
    for (const vf of pf.sriov!.virtualFunctions) {
      const dev = draft.view.devices.device(vf);
      if (conflict(draft, vf, dev?.iommuGroup, demand.owner, taken, "VF")) continue;
      if (draft.lockedDevice(vf)) continue;
      return { demand: d, address: vf, node: dev?.node ?? pf.node, pf: pfLabel(pf), ...(dev?.iommuGroup !== undefined ? { iommuGroup: dev.iommuGroup } : {}) };
    }
  }
  return undefined;
}

/** Why a named PF has no VF to give: none enabled, or all taken (by whom). */
function fullPfIssue(draft: Draft, pf: HostPciDevice, taken: TakenDevices): { reason: string; other?: string } {
  const holders = pf.sriov!.virtualFunctions.map((v) => draft.view.deviceHolder(v)).filter((h): h is DeviceHold => h !== undefined);
  const counts = new Map<string, number>();
  for (const h of holders) counts.set(`${h.owner} (${h.vm})`, (counts.get(`${h.owner} (${h.vm})`) ?? 0) + 1);
  const total = pf.sriov!.virtualFunctions.length;
  if (total === 0) return { reason: `PF ${pfLabel(pf)} (${formatPciAddress(pf.address)}) has no VFs enabled (up to ${pf.sriov!.maxCount}); set sriov_numvfs on the host` };
  const list = [...counts].map(([who, n]) => `${who} ×${n}`).join(", ");
  return { reason: `PF ${pfLabel(pf)} (${formatPciAddress(pf.address)}) has no free VF: all ${total} are taken${list ? ` by ${list}` : ""}${taken.size ? " or by this VM" : ""}`, ...(holders[0] ? { other: holders[0].owner } : {}) };
}

/** Why an address cannot be handed out, if it cannot: held, held within this demand, its PF/VFs held, or its IOMMU group. */
function conflict(draft: Draft, address: PciAddress, group: number | undefined, vm: string, taken: TakenDevices, what: string): { reason: string; other?: string } | undefined {
  const { view } = draft;
  const held = view.deviceHolder(address);
  if (held) return { reason: `${what} ${formatPciAddress(address)} is already assigned to ${held.vm} by ${held.owner} (${held.path})`, other: held.owner };
  const mine = taken.get(formatPciAddress(address));
  if (mine) return { reason: `${what} ${formatPciAddress(address)} is requested twice for ${vm}: also by ${mine.demand.owner} (${mine.demand.path})`, other: mine.demand.owner };
  const pf = view.devices.pfOfVf(address);
  const pfHeld = pf && view.deviceHolder(pf.address);
  if (pfHeld) return { reason: `${what} ${formatPciAddress(address)} belongs to PF ${formatPciAddress(pf.address)}, which ${pfHeld.owner} passes through whole to ${pfHeld.vm}`, other: pfHeld.owner };
  const vfHeld = view.devices.device(address)?.sriov?.virtualFunctions.map((v) => view.deviceHolder(v)).find((h) => h);
  if (vfHeld) return { reason: `${what} ${formatPciAddress(address)} is an SR-IOV PF whose VF ${formatPciAddress(vfHeld.address)} is assigned to ${vfHeld.vm} by ${vfHeld.owner}`, other: vfHeld.owner };
  if (group !== undefined) {
    const same = view.groupHolders(group).find((h) => h.vm !== vm);
    if (same) return { reason: `${what} ${formatPciAddress(address)} shares IOMMU group ${group} with ${formatPciAddress(same.address)}, assigned to ${same.vm} by ${same.owner}; VFIO gives a whole group to one VM`, other: same.owner };
  }
  return undefined;
}

/** Devices on another NUMA node than the VM's vCPUs: warnings, or errors with `strictLocality`. */
export function localityIssues(demand: VmDemand, chosen: Iterable<DeviceChoice>, nodes: readonly number[]): LedgerIssue[] {
  const issues: LedgerIssue[] = [];
  for (const c of chosen) {
    if (c.node === undefined || nodes.includes(c.node)) continue;
    const what = c.demand.kind === "vf" ? `VF ${formatPciAddress(c.address)}${c.pf ? ` of ${c.pf}` : ""}` : `PCI device ${formatPciAddress(c.address)}`;
    issues.push({
      owner: c.demand.owner,
      path: c.demand.path,
      reason: `${what} is on host NUMA node ${c.node}, but ${demand.owner} runs its vCPUs on node ${nodes.join(",")}; DMA and interrupts will cross the socket interconnect`,
    });
  }
  return issues;
}
