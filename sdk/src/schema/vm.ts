import { z } from "zod";
import { int, LibvirtName } from "./common";
import { CpuSpec, MAX_VCPUS, Pinning, Realtime } from "./compute";
import { MemorySpec } from "./memory";
import { NumaSpec } from "./numa";
import { DiskSpec } from "./storage";
import { HostdevSpec, NicSpec } from "./network";
import { Chipset, ExpanderBus, Firmware } from "./platform";
import { CdromSpec, GraphicsSpec } from "./guest";
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
});

/** What a PinnedVm adds to a VM spec: what to call the domain and how to place it. */
export const PinnedVmOptions = z.object({
  /** libvirt domain name; default the component name. Changing it replaces the domain. */
  domainName: LibvirtName.optional(),
  /** Auto pinning: emulator and iothreads on the host's reserved CPUs (`housekeeping`, default) or on `dedicated` CPUs. */
  emulator: z.enum(["housekeeping", "dedicated"]).default("housekeeping"),
  /** An SR-IOV NIC or device on another NUMA node than the vCPUs is an error, not a warning. Default false. */
  strictLocality: z.boolean().default(false),
  /**
   * Apply a change of the pinning alone (vCPU, emulator and iothread pins) to the running
   * domain with `virsh vcpupin|emulatorpin|iothreadpin --live --config`, without the restart
   * provider v0.9.7 does on any domain update. Any other change still restarts the VM, and the
   * pins are re-applied after it. Default false.
   */
  livePinning: z.boolean().default(false),
  /**
   * Adopt a domain that already exists instead of creating one: `{ uuid }` is its libvirt UUID
   * (`virsh domuuid NAME`), the provider's import id. The first `pulumi up` imports the domain
   * (Pulumi's `import` resource option) and manages it from then on; the program must describe
   * it as it is, or the import stops with the differences. `virtkit import` writes it.
   */
  adopt: z.object({ uuid: z.guid({ message: "expected the domain's UUID, as `virsh domuuid NAME` prints it" }) }).optional(),
  /** Expander buses per guest NUMA cell: `"auto"` (default: one per cell holding passthrough devices), `"none"`, or explicit `{ guestNode, busNr? }`s. */
  // a list is checked item by item as the spec's expanderBuses, with their paths
  expanderBuses: z
    .custom<"auto" | "none" | z.input<typeof ExpanderBus>[]>((v) => v === "auto" || v === "none" || Array.isArray(v), {
      error: (i) => `${JSON.stringify(i.input)} is not an expander bus choice; expected "auto", "none" or a list of { guestNode, busNr? }`,
    })
    .default("auto"),
});
export type PinnedVmOptions = z.infer<typeof PinnedVmOptions>;

/**
 * Cross-field checks run even when some fields failed (`when`), so one error lists every
 * problem; each check first makes sure the fields it reads did parse.
 */
export const VmSpec = VmSpecObject.check(
  z.superRefine(checkCrossFields, { when: () => true }),
).transform(withIothreads);
export type VmSpecInput = z.input<typeof VmSpec>;
export type VmSpec = z.infer<typeof VmSpec>;
