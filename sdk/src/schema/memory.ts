import { z } from "zod";
import { Cpuset, MemorySize } from "./common";
import { GiB, MiB } from "./units";

/** Guest RAM and how the host backs it (`<memoryBacking>`). */

export const PageSize = z.enum(["2MiB", "1GiB"], { error: 'expected a hugepage size: "2MiB" or "1GiB"' });
export type PageSizeName = z.infer<typeof PageSize>;

/**
 * Bytes of each hugepage size virtkit knows: the one page-size table. It has no prototype, so
 * `"constructor" in PAGE_SIZES` is false and `PAGE_SIZES["toString"]` undefined.
 */
export const PAGE_SIZES: Readonly<Record<PageSizeName, number>> = Object.freeze(Object.assign(Object.create(null) as object, { "2MiB": 2 * MiB, "1GiB": GiB }));

/** The hugepage size of `bytes` (`2MiB`, `1GiB`), undefined for a size virtkit does not know. */
export function pageSizeName(bytes: number): PageSizeName | undefined {
  return PageSize.options.find((name) => PAGE_SIZES[name] === bytes);
}

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
