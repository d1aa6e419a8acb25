import { z } from "zod";
import { Cpuset, MemorySize } from "./common";
import { GiB, MiB } from "./units";

/** Guest RAM and how the host backs it (`<memoryBacking>`). */

export const PAGE_SIZES = { "2MiB": 2 * MiB, "1GiB": GiB } as const;
export type PageSizeName = keyof typeof PAGE_SIZES;
export const PageSize = z.enum(["2MiB", "1GiB"], { error: 'expected a hugepage size: "2MiB" or "1GiB"' });

export const Hugepages = z.object({
  /** Page size of the hugetlbfs pool that backs the guest. */
  pageSize: PageSize,
  /** Guest NUMA cells backed by these pages (cpuset syntax over cell ids); default all. */
  guestNodes: Cpuset.optional(),
});

export const MemorySpec = z.object({
  /** Guest RAM: bytes or an IEC string ("16GiB"). */
  size: MemorySize,
  /** Back the guest with hugepages of one size. */
  hugepages: Hugepages.optional(),
  /** Lock guest memory in host RAM (`<locked/>`): never swapped. */
  locked: z.boolean().default(false),
  /** Keep KSM from merging this guest's pages (`<nosharepages/>`). */
  nosharepages: z.boolean().default(false),
  /** `shared` is what vhost-user devices and virtiofs need. */
  access: z.enum(["shared", "private"]).optional(),
  /** Memory source: anonymous (default), file, or memfd (shared without a hugetlbfs file). */
  source: z.enum(["anonymous", "file", "memfd"]).optional(),
});

export type Hugepages = z.infer<typeof Hugepages>;
export type MemorySpec = z.infer<typeof MemorySpec>;
