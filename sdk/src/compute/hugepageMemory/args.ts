import { z } from "zod";
import { Cpuset, Size } from "../../schema/common";
import { PageSize } from "../../schema/memory";
import type { ComponentContract } from "../../program/componentContract";
import type { HugepageMemory } from "./HugepageMemory";

export const HugepageMemoryArgsSchema = z.object({
  /** Guest RAM: bytes or an IEC string ("16GiB"); a whole number of pages. */
  size: Size,
  /** Hugepage size of the host pool backing the guest: `"2MiB"` or `"1GiB"`. */
  pageSize: PageSize,
  /** Host NUMA nodes the pages come from (cpuset over node ids, e.g. `"0"`); default: where the VM is placed. */
  hostNodes: Cpuset.optional(),
  /** Lock the memory in host RAM (`<locked/>`). Default false. */
  locked: z.boolean().default(false),
  /** Share the memory with host processes (vhost-user, virtiofs): `<access mode='shared'/>`. Default false. */
  shared: z.boolean().default(false),
});

export type HugepageMemoryArgs = z.input<typeof HugepageMemoryArgsSchema>;

export const hugepageMemoryContract: ComponentContract<typeof HugepageMemoryArgsSchema, HugepageMemory> = {
  kind: "HugepageMemory",
  description: "The hugepage-backed RAM of one VM; the PinnedVm that uses it claims its pages from the host's pools.",
  args: HugepageMemoryArgsSchema,
  outputs: { sizeBytes: { type: "number" }, pageSizeBytes: { type: "number" }, pages: { type: "number" } },
};
