import { z } from "zod";
import { int, LibvirtName } from "./common";
import { CpuSpec, MAX_VCPUS, Pinning, Realtime } from "./compute";
import { MemorySpec } from "./memory";
import { NumaSpec } from "./numa";
import { DiskSpec } from "./storage";
import { HostdevSpec, NicSpec } from "./network";
import { Chipset, ExpanderBus, Firmware } from "./platform";
import { CdromSpec, GraphicsSpec } from "./guest";
import { BootSpec, checkBoot } from "./boot";
import { checkCrossFields } from "./vmChecks";
import { withIothreads } from "./iothreads";

/**
 * One virtual machine, everything libvirt needs to know, as plain data. Components
 * build it from their arguments; renderers turn it into XML and provider arguments.
 */
export const VmSpecObject = z.object({
  /** libvirt domain name. */
  name: LibvirtName,
  /** Number of vCPUs. */
  vcpus: int(1, MAX_VCPUS, "vCPU count"),
  /** Guest CPU: `mode` (default `host-passthrough` for `kvm`, `maximum` for `qemu`), `model` for `custom`, `features`, `topology`. */
  cpu: CpuSpec.default({ features: [] }),
  /**
   * Host placement: `"auto"` (the allocator picks host CPUs; the default when the host's
   * capabilities are known) or explicit libvirt cpusets `{ vcpus: ["4", "36", ...], emulator?: "0-1",
   * iothreads?: [...] }`; omitted on an unknown host = unpinned (the host scheduler decides).
   */
  pinning: Pinning.optional(),
  /**
   * Number of iothreads (`<iothreads>`): threads that do the disks' I/O off the vCPUs and the
   * emulator's main loop. Virtio disks without an `iothread` of their own are spread over them,
   * and the virtio-scsi controller takes the next. Default: as many as `pinning.iothreads`
   * pins; else 1 for a pinned VM with virtio disks (a pinned VM's vCPUs are for the guest);
   * else 0.
   */
  iothreads: int(0, 64, "iothread count").optional(),
  /** Real-time scheduling of vCPUs (fifo/rr with a priority). */
  realtime: Realtime.optional(),
  /** Guest RAM: `{ size, hugepages?, locked?, nosharepages?, ... }` (or a HugepageMemory component). */
  memory: MemorySpec,
  /** Guest NUMA cells and host binding (`numatune`). */
  numa: NumaSpec.default({ cells: [], mode: "strict", memnodes: [], allowSpanning: false }),
  /** Disks in guest order (vda, vdb, ...): `{ source: { pool, volume } | { file } }` (or Qcow2Volume components). */
  disks: z.array(DiskSpec).default([]),
  /** NICs in guest order: `{ type: "network" | "bridge" | "direct" | "vhostuser" | "vf" | "hostdev-network", ... }` (or SriovNic components). */
  nics: z.array(NicSpec).default([]),
  /** Whole PCI devices passed through (or PciPassthrough components). */
  hostdevs: z.array(HostdevSpec).default([]),
  /** `q35` (default) or `i440fx`. Changing it replaces the domain. */
  chipset: Chipset.default("q35"),
  /** `bios` (default) or `efi`. Changing it replaces the domain. */
  firmware: Firmware.default("bios"),
  /** PCIe (q35) / PCI (i440fx) expander buses, one per guest NUMA cell that has devices. */
  expanderBuses: z.array(ExpanderBus).default([]),
  /** Hypervisor type of the domain: `kvm` (default) or `qemu` (TCG, no hardware virtualisation). Changing it replaces the domain. */
  domainType: z.enum(["kvm", "qemu"]).default("kvm"),
  /** Start the domain after defining it. Default true. */
  running: z.boolean().default(true),
  /** A serial console (`<serial type='pty'>` and its `<console>`: `virsh console`). Default true. */
  serialConsole: z.boolean().default(true),
  /** A graphical display: `{ type: "vnc" | "spice", listen? }`. Default none. */
  graphics: GraphicsSpec.optional(),
  /** Read-only CD-ROMs on SATA, after the disks (the cloud-init seed is one). */
  cdroms: z.array(CdromSpec).default([]),
  /** Direct kernel boot: `{ kernel, initrd?, cmdline? }`, host paths QEMU loads instead of booting a disk. Default none. */
  boot: BootSpec.optional(),
});


/**
 * Cross-field checks run even when some fields failed (`when`), so one error lists every
 * problem; each check first makes sure the fields it reads did parse.
 */
export const VmSpec = VmSpecObject.check(
  z.superRefine(checkCrossFields, { when: () => true }),
  z.superRefine(checkBoot, { when: () => true }),
).transform(withIothreads);
export type VmSpecInput = z.input<typeof VmSpec>;
export type VmSpec = z.infer<typeof VmSpec>;
