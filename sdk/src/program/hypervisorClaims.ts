import type * as libvirt from "@pulumi/libvirt";
import type { HostLedger } from "../host/ledger";
import type { HostModel } from "../host/model";

/** The kinds of libvirt objects whose names a program claims on a hypervisor. */
export type LibvirtObjectKind = "domain" | "volume" | "network" | "pool" | "secret";

/**
 * What one program run has claimed on one hypervisor: its host model and ledger (CPUs, pages,
 * devices), the libvirt names taken, and the base images and VF pools made there. Every
 * LibvirtHost of one URI shares it, so two handles on one machine cannot pin the same CPUs or
 * define one domain name twice. Lives in the run's ProgramRun.
 */
export class HypervisorClaims {
  private readonly names = new Map<LibvirtObjectKind, Map<string, string>>();
  readonly vfPools = new Map<string, libvirt.Network>();
  /** Base images by pool, then by URL. */
  readonly baseImages = new Map<string, Map<string, libvirt.Volume>>();
  constructor(
    /** The URI as written, or undefined when it is an Output. */
    readonly uri: string | undefined,
    /** The LibvirtHost that declared it first, as messages name it: `LibvirtHost "hv1"`. */
    readonly firstHost: string,
    readonly model: HostModel | undefined,
    readonly ledger: HostLedger | undefined,
    /** What the host facts say, to compare with another host of the URI. */
    readonly factsKey: string,
  ) {}

  /** The component (as messages name it) that declared the libvirt object, if any. */
  holderOf(kind: LibvirtObjectKind, objectName: string): string | undefined {
    return this.names.get(kind)?.get(objectName);
  }

  /** Records that `component` declares the object; the caller has checked it is free. */
  take(kind: LibvirtObjectKind, objectName: string, component: string): void {
    let byName = this.names.get(kind);
    if (!byName) this.names.set(kind, (byName = new Map()));
    byName.set(objectName, component);
  }
}
