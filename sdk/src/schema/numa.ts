import { z } from "zod";
import { Cpuset, int, MemorySize } from "./common";

/** Guest NUMA cells and how guest memory binds to host NUMA nodes (`<numatune>`). */

export const NumaMode = z.enum(["strict", "interleave", "preferred", "restrictive"]);

export const NumaCell = z.object({
  /** Guest vCPUs of the cell (cpuset over vCPU ids). */
  cpus: Cpuset,
  /** Guest RAM of the cell. */
  memory: MemorySize,
  /** Share the cell's memory with the host (vhost-user) or keep it private. */
  memAccess: z.enum(["shared", "private"]).optional(),
});

export const MemNode = z.object({
  /** Guest cell index. */
  cell: int(0, 255, "cell index"),
  mode: NumaMode.default("strict"),
  /** Host NUMA nodes the cell's memory comes from. */
  hostNodes: Cpuset,
});

export const NumaSpec = z.object({
  /** Guest NUMA cells: they must partition the vCPUs and add up to the memory size. */
  cells: z.array(NumaCell).default([]),
  /** Policy for guest memory on the host nodes. */
  mode: NumaMode.default("strict"),
  /** Host NUMA nodes guest memory may come from (cpuset over node ids); default: where placement put it. */
  hostNodes: Cpuset.optional(),
  /** Per-cell host binding; default: each cell on the host node that placement chose. */
  memnodes: z.array(MemNode).default([]),
  /** Allow auto placement to spread a VM over several host nodes when one cannot hold it. */
  allowSpanning: z.boolean().default(false),
});

export type NumaCell = z.infer<typeof NumaCell>;
export type NumaSpec = z.infer<typeof NumaSpec>;
