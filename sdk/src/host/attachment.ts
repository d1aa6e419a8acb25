import type { ValidationIssue } from "../errors";

/**
 * The one VM a device-like component (memory, volume, VF, PCI device) belongs to. Checking
 * and committing are separate, so a VM that fails validation or placement leaves the
 * component free for the corrected VM.
 */
export class Attachment {
  private vm: string | undefined;

  /** @param component display name of the owning component, e.g. `SriovNic "fast"` */
  constructor(readonly component: string) {}

  /** The problem with giving the component to `vm` (at field `path`), if any. */
  check(vm: string, path: string): ValidationIssue | undefined {
    return this.vm && this.vm !== vm ? { path, reason: `${this.component} is already attached to ${this.vm}` } : undefined;
  }

  commit(vm: string): void {
    this.vm = vm;
  }
}

/** Something that exists on one host, such as a volume in its pool or a device on its bus. */
export interface HostBound {
  readonly host: BoundHost;
  readonly attachment: Attachment;
}

/** A host as parts name it: its name, and the hypervisor it is a handle on (hosts of one URI share one). */
export interface BoundHost {
  readonly hostName: string;
  readonly hypervisor: object;
}

/** The problem with using `part` (at `path`) in a VM on `host`, if any: parts of any handle on the VM's hypervisor will do. */
export function checkHostBound(part: HostBound, vm: string, host: BoundHost, path: string): ValidationIssue | undefined {
  if (part.host.hypervisor !== host.hypervisor) {
    return { path, reason: `${part.attachment.component} is on host ${part.host.hostName}, not on ${host.hostName}` };
  }
  return part.attachment.check(vm, path);
}
