import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Cpuset, Size } from "../../schema/common";
import { PAGE_SIZES, PageSize, MemorySpec } from "../../schema/memory";
import type { z as zod } from "zod";
import { formatSize } from "../../schema/units";
import { parseOrThrow } from "../../schema/validate";
import { VirtkitValidationError } from "../../errors";
import { Attachment } from "../../host/attachment";
import { requireUniqueName } from "../../program/runContext";

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

/**
 * The hugepage-backed RAM of one VM. It creates no libvirt object of its own (guest RAM is
 * part of the domain); the PinnedVm that uses it claims its pages from the host's pools,
 * which is where a pool too small for it is reported.
 */
export class HugepageMemory extends pulumi.ComponentResource {
  /** The memory as VM spec input. */
  readonly spec: zod.input<typeof MemorySpec>;
  readonly hostNodes: readonly number[] | undefined;
  readonly sizeBytes: pulumi.Output<number>;
  readonly pageSizeBytes: pulumi.Output<number>;
  /** Number of pages the VM takes from the host pool. */
  readonly pages: pulumi.Output<number>;
  /** The VM this memory belongs to. */
  readonly attachment: Attachment;

  constructor(name: string, args: HugepageMemoryArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const component = `HugepageMemory "${name}"`;
    const a = parseOrThrow(HugepageMemoryArgsSchema, args, component);
    const page = PAGE_SIZES[a.pageSize];
    if (a.size % page !== 0) {
      throw new VirtkitValidationError(component, [{ path: "size", reason: `${formatSize(a.size)} is not a whole number of ${a.pageSize} pages` }]);
    }
    requireUniqueName("virtkit:index:HugepageMemory", name, opts);
    super("virtkit:index:HugepageMemory", name, {}, opts);
    this.attachment = new Attachment(component);
    this.spec = {
      size: a.size,
      hugepages: { pageSize: a.pageSize },
      locked: a.locked,
      nosharepages: false,
      access: a.shared ? "shared" : undefined,
      source: a.shared ? "memfd" : undefined,
    };
    this.hostNodes = a.hostNodes;
    this.sizeBytes = pulumi.output(a.size);
    this.pageSizeBytes = pulumi.output(page);
    this.pages = pulumi.output(a.size / page);
    this.registerOutputs({ sizeBytes: this.sizeBytes, pageSizeBytes: this.pageSizeBytes, pages: this.pages });
  }

}
