import { formatPciAddress, samePciAddress, type PciAddress } from "../schema/pci";
import { HostDevices, pfLabel } from "./devices";
import type { HostModel, HostPciDevice } from "./model";

/**
 * What a host's facts (its nodedev documents) say of a PF, a VF or a PCI device a component
 * names. Each reason says what the facts do list, so the fix is in the message. A host
 * whose devices are not known is never judged: virtkit cannot know, libvirt will.
 */

const MAX_LISTED = 8;
const listed = (items: readonly string[]) => (items.length > MAX_LISTED ? `${items.slice(0, MAX_LISTED).join(", ")} and ${items.length - MAX_LISTED} more` : items.join(", "));

/** A PF as the facts show it: `enp59s0f0 at 0000:3b:00.0 (8 VFs, 0000:3b:02.0 to 0000:3b:02.7)`. */
function describePf(pf: HostPciDevice): string {
  const vfs = pf.sriov?.virtualFunctions ?? [];
  const range = vfs.length === 0 ? "no VFs enabled" : vfs.length === 1 ? `VF ${formatPciAddress(vfs[0])}` : `${vfs.length} VFs, ${formatPciAddress(vfs[0])} to ${formatPciAddress(vfs[vfs.length - 1])}`;
  return `${pfLabel(pf)} at ${formatPciAddress(pf.address)} (${range})`;
}

/** The SR-IOV PFs the facts list, for a message. */
export function listedPfs(devices: HostDevices): string {
  const pfs = devices.pfs;
  return pfs.length ? `its SR-IOV PFs: ${listed(pfs.map(describePf))}` : "its facts list no SR-IOV PF";
}

/** Why the facts of `hostName` have no PF `name` to take VFs from, if they do not. */
export function pfFactIssue(model: HostModel, hostName: string, name: string): string | undefined {
  const devices = new HostDevices(model);
  if (!devices.known) return undefined;
  const pf = devices.findPf(name);
  if (!pf) return `no SR-IOV PF "${name}" on host ${hostName} (${listedPfs(devices)})`;
  if (!pf.sriov) return `${name} (${formatPciAddress(pf.address)}) on host ${hostName} is not an SR-IOV physical function (${listedPfs(devices)})`;
  return undefined;
}

/** Why the facts of `hostName` have no VF at `address` (of PF `pf`, when named), if they do not. */
export function vfFactIssue(model: HostModel, hostName: string, address: PciAddress, pf?: string): string | undefined {
  const devices = new HostDevices(model);
  if (!devices.known) return undefined;
  const owner = devices.pfOfVf(address);
  if (!owner) return `no SR-IOV VF at ${formatPciAddress(address)} on host ${hostName} (${listedPfs(devices)})`;
  const wanted = pf === undefined ? undefined : devices.findPf(pf);
  if (wanted && !samePciAddress(wanted.address, owner.address)) return `VF ${formatPciAddress(address)} belongs to ${describePf(owner)}, not to ${pf}`;
  return undefined;
}

/** The PCI devices the facts list, for a message. */
export function listedDevices(devices: HostDevices): string {
  // the VFs are many and alike: counted, not listed
  const vfs = devices.all.filter((d) => devices.pfOfVf(d.address));
  const others = devices.all.filter((d) => !devices.pfOfVf(d.address)).map((d) => `${formatPciAddress(d.address)}${d.netdevs[0] ? ` (${d.netdevs[0]})` : d.product ? ` (${d.product})` : ""}`);
  return `its facts list ${listed([...others, ...(vfs.length ? [`${vfs.length} VFs of its SR-IOV PFs`] : [])])}`;
}

/** Why the facts of `hostName` have no PCI device at `address`, if they do not. */
export function pciFactIssue(model: HostModel, hostName: string, address: PciAddress): string | undefined {
  const devices = new HostDevices(model);
  if (!devices.known || devices.device(address)) return undefined;
  return `no PCI device at ${formatPciAddress(address)} on host ${hostName} (${listedDevices(devices)})`;
}
