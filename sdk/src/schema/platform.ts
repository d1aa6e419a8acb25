import { z } from "zod";
import { int } from "./common";

/** The virtual machine's platform: chipset, firmware, and PCI(e) expander buses. */

/** `q35` (PCIe, default) or `i440fx` (legacy PCI). */
export const Chipset = z.enum(["q35", "i440fx"]);
export const Firmware = z.enum(["bios", "efi"]);

/** A PCIe (q35) or PCI (i440fx) expander bus tied to a guest NUMA cell. */
export const ExpanderBus = z.object({
  /** Guest NUMA cell the bus belongs to (QEMU's `numa_node`). */
  guestNode: int(0, 255, "guest NUMA cell"),
  /** First bus number behind the expander; default: counting down from 254. */
  busNr: int(1, 254, "bus number").optional(),
});

export type Chipset = z.infer<typeof Chipset>;
export type Firmware = z.infer<typeof Firmware>;
export type ExpanderBus = z.infer<typeof ExpanderBus>;
