import { z } from "zod";
import { Cpuset, int } from "./common";

/**
 * Compute: vCPUs, the CPU model the guest sees, its topology, and where its
 * threads run on the host. Vocabulary follows formatdomain.html (vcpupin, emulatorpin).
 */

/** Largest vCPU count libvirt's QEMU driver accepts for a q35 guest. */
export const MAX_VCPUS = 4096;

export const CpuFeaturePolicy = z.enum(["require", "disable", "force", "optional", "forbid"]);

export const CpuFeature = z.object({
  /** Feature name as in libvirt's CPU map, e.g. `avx512f`, `invtsc`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, { message: "expected a CPU feature name like \"avx512f\"" }),
  /** What libvirt does with the feature: `require` it, `disable` it, `force` it on, ... */
  policy: CpuFeaturePolicy,
});

export const CpuTopology = z.object({
  sockets: int(1, MAX_VCPUS, "socket count"),
  /** Dies per socket; default 1. */
  dies: int(1, MAX_VCPUS, "die count").default(1),
  cores: int(1, MAX_VCPUS, "core count"),
  /** Threads per core (guest SMT); more than 1 makes auto placement use whole host cores. */
  threads: int(1, 8, "thread count"),
});

/**
 * `host-passthrough` (the host CPU as KVM sees it), `host-model` (a named model close to
 * the host's), `maximum` (all the hypervisor can give: `-cpu max`, TCG's closest to
 * passthrough) or `custom` (a named `model`).
 */
export const CpuMode = z.enum(["host-passthrough", "host-model", "maximum", "custom"]);
export type CpuMode = z.infer<typeof CpuMode>;

/** The mode a guest gets when none is given: the host CPU under KVM; under TCG, which cannot pass it through, the most QEMU emulates. */
export const defaultCpuMode = (domainType: "kvm" | "qemu"): CpuMode => (domainType === "kvm" ? "host-passthrough" : "maximum");

export const CpuSpec = z
  .object({
    /** `host-passthrough`, `host-model`, `maximum` or `custom` with a named `model`; default `host-passthrough` for `kvm` domains, `maximum` for `qemu` (TCG). */
    mode: CpuMode.optional(),
    /** Named CPU model for `custom` mode, e.g. `Skylake-Server-IBRS`. */
    model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: "expected a CPU model name like \"Skylake-Server\"" }).optional(),
    /** Feature flags switched on or off on top of the mode/model. */
    features: z.array(CpuFeature).default([]),
    /** How strictly libvirt compares the guest CPU with the host's at start (`<cpu check>`); libvirt's default when omitted. */
    check: z.enum(["none", "partial", "full"]).optional(),
    /** Guest topology; sockets × dies × cores × threads must equal the vCPU count. */
    topology: CpuTopology.optional(),
  })
  .superRefine((cpu, ctx) => {
    if (cpu.mode === "custom" && !cpu.model) {
      ctx.addIssue({ code: "custom", path: ["model"], message: "mode \"custom\" needs a named model, e.g. \"Skylake-Server\"" });
    }
    if (cpu.mode !== "custom" && cpu.model) {
      ctx.addIssue({ code: "custom", path: ["model"], message: `a named model only applies to mode "custom", not "${cpu.mode ?? "the default"}"` });
    }
    const seen = new Map<string, number>();
    cpu.features.forEach((f, i) => {
      const first = seen.get(f.name);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["features", i, "name"], message: `feature "${f.name}" is already set by features[${first}]` });
      } else seen.set(f.name, i);
    });
  });

/** Explicit pinning: one host cpuset per vCPU (index = vCPU), plus emulator and iothreads. */
export const ExplicitPinning = z.object({
  /** Host cpuset for each vCPU, e.g. `["4", "36", "5", "37"]`. */
  vcpus: z.array(Cpuset),
  /** Host cpuset for the emulator threads (QEMU's main loop, I/O not in iothreads). */
  emulator: Cpuset.optional(),
  /** Host cpuset for each iothread (index = iothread id - 1). */
  iothreads: z.array(Cpuset).optional(),
});

/** `"auto"`: the allocator picks host CPUs; or explicit cpusets. */
export const Pinning = z.unknown().transform((value, ctx): "auto" | z.infer<typeof ExplicitPinning> => {
  // Not a z.union: a union would hide the inner problem ("a-b" is not a CPU id) behind "no option matched".
  if (value === "auto") return "auto";
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not a pinning; expected "auto" or { vcpus: [a cpuset per vCPU], emulator?, iothreads? }` });
    return z.NEVER;
  }
  const result = ExplicitPinning.safeParse(value);
  if (result.success) return result.data;
  for (const i of result.error.issues) ctx.addIssue({ code: "custom", message: i.message, path: i.path });
  return z.NEVER;
});

/** Real-time scheduling of vCPU threads (`<vcpusched>`). */
export const Realtime = z.object({
  /** Guest vCPUs to schedule in real time (a cpuset of vCPU ids); default all. */
  vcpus: Cpuset.optional(),
  scheduler: z.enum(["fifo", "rr"]),
  /** SCHED_FIFO/SCHED_RR priority, 1 (lowest) to 99. */
  priority: int(1, 99, "priority"),
});

export type CpuSpec = z.infer<typeof CpuSpec>;
export type CpuTopology = z.infer<typeof CpuTopology>;
export type ExplicitPinning = z.infer<typeof ExplicitPinning>;
export type Pinning = z.infer<typeof Pinning>;
export type Realtime = z.infer<typeof Realtime>;
