/**
 * What an import could not carry over, or carried over differently, said at the VM and
 * counted: nothing of a domain is dropped without a word.
 */

/** The parts of a domain that virtkit's API covers; `other` is everything outside them. */
export const AREAS = ["vcpus", "pinning", "cpu", "memory", "hugepages", "numa", "disks", "nics", "hostdevs", "chipset", "firmware"] as const;
export type Area = (typeof AREAS)[number] | "other";

/** Something of the domain that the virtkit program does not say. */
export interface NotImported {
  /** Where it is in the domain XML, e.g. `cputune/shares`, `devices/disk[hdc]`. */
  readonly element: string;
  /** Why virtkit cannot say it (yet). */
  readonly reason: string;
  readonly area: Area;
}

/** Something the domain left to libvirt or the hypervisor that the virtkit program sets (virtkit's default), or spells differently. */
export interface Changed {
  readonly element: string;
  /** What the program says instead, and why it is equivalent or chosen. */
  readonly reason: string;
  readonly area: Area;
}

export class ImportNotes {
  readonly notImported: NotImported[] = [];
  readonly changed: Changed[] = [];
  lost(area: Area, element: string, reason: string): void {
    this.notImported.push({ area, element, reason });
  }
  change(area: Area, element: string, reason: string): void {
    this.changed.push({ area, element, reason });
  }
}
