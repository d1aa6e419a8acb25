import { formatPciAddress, parsePciAddress, type PciAddress } from "../schema/pci";
import type { HostModel, HostPciDevice } from "./model";

/** Look-ups over a host's PCI devices: by address, a VF's PF, a PF by any of its names. */
export class HostDevices {
  private readonly byAddress: ReadonlyMap<string, HostPciDevice>;
  private readonly pfByVf: ReadonlyMap<string, HostPciDevice>;

  constructor(private readonly host: HostModel) {
    this.byAddress = new Map(host.pciDevices.map((d) => [formatPciAddress(d.address), d]));
    const pfByVf = new Map<string, HostPciDevice>();
    for (const d of host.pciDevices) for (const v of d.sriov?.virtualFunctions ?? []) pfByVf.set(formatPciAddress(v), d);
    // A VF document may name a PF whose own document lists no VFs (or was not given).
    for (const d of host.pciDevices) {
      const pf = d.physicalFunction && this.byAddress.get(formatPciAddress(d.physicalFunction));
      if (pf && !pfByVf.has(formatPciAddress(d.address))) pfByVf.set(formatPciAddress(d.address), pf);
    }
    this.pfByVf = pfByVf;
  }

  /** Whether any device is known (nodedev documents were given). */
  get known(): boolean {
    return this.host.pciDevices.length > 0;
  }

  /** Every device the facts list. */
  get all(): readonly HostPciDevice[] {
    return this.host.pciDevices;
  }

  /** The SR-IOV physical functions. */
  get pfs(): HostPciDevice[] {
    return this.host.pciDevices.filter((d) => d.sriov);
  }

  device(address: PciAddress): HostPciDevice | undefined {
    return this.byAddress.get(formatPciAddress(address));
  }

  /** The PF a VF belongs to, from the PF's VF list or the VF's own phys_function. */
  pfOfVf(address: PciAddress): HostPciDevice | undefined {
    return this.pfByVf.get(formatPciAddress(address));
  }

  /** A PF by netdev name, nodedev name or PCI address. */
  findPf(name: string): HostPciDevice | undefined {
    const byName = this.host.pciDevices.find((d) => d.netdevs.includes(name) || d.name === name);
    if (byName) return byName;
    try {
      return this.device(parsePciAddress(name));
    } catch {
      return undefined;
    }
  }
}

/** A PF as users name it: its interface, else its PCI address. */
export function pfLabel(pf: HostPciDevice): string {
  return pf.netdevs[0] ?? formatPciAddress(pf.address);
}
