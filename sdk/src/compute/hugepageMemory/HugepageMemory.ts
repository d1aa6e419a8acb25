import * as pulumi from "@pulumi/pulumi";
import { PAGE_SIZES, MemorySpec } from "../../schema/memory";
import type { z as zod } from "zod";
import { formatSize } from "../../schema/units";
import { parseOrThrow } from "../../schema/validate";
import { VirtkitValidationError } from "../../errors";
import { Attachment } from "../../host/attachment";
import { currentRun } from "../../program/runContext";
import { outputsOf } from "../../program/componentContract";
import { HugepageMemoryArgsSchema, hugepageMemoryContract, type HugepageMemoryArgs } from "./args";
import { refuseNulls } from "../../program/nullArgs";



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
    refuseNulls(hugepageMemoryContract, component, args);
    const a = parseOrThrow(HugepageMemoryArgsSchema, args, component);
    const page = PAGE_SIZES[a.pageSize];
    if (a.size % page !== 0) {
      throw new VirtkitValidationError(component, [{ path: "size", reason: `${formatSize(a.size)} is not a whole number of ${a.pageSize} pages` }]);
    }
    // the one component without a host finds its run itself
    currentRun().requireUniqueName("HugepageMemory", name, opts);
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
    this.registerOutputs(outputsOf(hugepageMemoryContract, this));
  }

}
