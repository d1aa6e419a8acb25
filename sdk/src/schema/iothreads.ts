import type { z } from "zod";
import { diskBus } from "./storage";
import type { VmSpecObject } from "./vm";

// How many iothreads a VM gets, and which disk each serves: the VM spec settles both (schema/vm.ts).

/**
 * The iothreads a VM gets: as many as asked, else as many as pinned, else one for a pinned VM
 * with virtio disks (its vCPUs are for the guest, so the disks' I/O needs a thread of its own).
 */
export function effectiveIothreads(vm: { iothreads?: number; pinning?: unknown; disks?: unknown }): number {
  if (typeof vm.iothreads === "number") return vm.iothreads;
  const pins = vm.pinning && typeof vm.pinning === "object" ? (vm.pinning as { iothreads?: unknown }).iothreads : undefined;
  if (Array.isArray(pins) && pins.length > 0) return pins.length;
  const disks = Array.isArray(vm.disks) ? (vm.disks as { bus?: unknown; target?: unknown }[]) : [];
  return vm.pinning !== undefined && disks.some((d) => d && typeof d === "object" && diskBus(d) !== "sata") ? 1 : 0;
}

/** Each virtio disk without an iothread takes the next one in turn; the count is settled. */
export function withIothreads<T extends z.infer<typeof VmSpecObject>>(vm: T): T & { iothreads: number } {
  const iothreads = effectiveIothreads(vm);
  let next = 0;
  const disks = vm.disks.map((d) => (iothreads > 0 && d.iothread === undefined && diskBus(d) === "virtio" ? { ...d, iothread: (next++ % iothreads) + 1 } : d));
  return { ...vm, iothreads, disks };
}
