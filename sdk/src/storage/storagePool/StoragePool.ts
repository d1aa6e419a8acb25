import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import type { z } from "zod";
import { poolTargetPath, PoolSpec } from "../../schema/storage";
import { parseOrThrow } from "../../schema/validate";
import { renderPoolArgs } from "../../render/volumeArgs";
import { renderPoolXml } from "../../render/storageXml";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { requireUniqueName } from "../../program/runContext";

type PoolInput = z.input<typeof PoolSpec>;
/** Omit, one pool type at a time (a plain Omit would keep only the keys all types share). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A StoragePool's arguments: one of
 * - `{ type: "dir", path }`: a directory of qcow2 and raw image files;
 * - `{ type: "logical", volumeGroup?, devices? }`: an LVM volume group; its volumes are logical
 *   volumes, which VMs get as block disks (`/dev/<group>/<volume>`);
 * - `{ type: "iscsi", portal: { host, port? }, target, initiator? }`: the LUNs of an iSCSI
 *   target, which VMs get as disks by `{ pool, volume: "unit:0:0:N" }`;
 *
 * plus the host and the libvirt pool name (default: the component's name).
 */
export type StoragePoolArgs = OmitEach<PoolInput, "name"> & {
  /** libvirt pool name; default the component's name. */
  name?: string;
  /** The host that has the pool. */
  host: LibvirtHost;
};

/**
 * A libvirt storage pool on a host (provider resource `libvirt.Pool`): a directory, an LVM
 * volume group or an iSCSI target. Qcow2Volumes take it as their `pool`, and are made after it.
 */
export class StoragePool extends pulumi.ComponentResource {
  readonly host: LibvirtHost;
  /** `StoragePool "<name>"`, as errors name it. */
  readonly component: string;
  readonly spec: PoolSpec;
  /** The libvirt pool name. */
  readonly poolName: string;
  /** Where the pool's volumes appear on the host (`/dev/<group>` for LVM, `/dev/disk/by-path` for iSCSI). */
  readonly targetPath: string;
  readonly pool: libvirt.Pool;
  /** `virsh pool-define` XML of what is registered. */
  readonly poolXml: string;

  constructor(name: string, args: StoragePoolArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const component = `StoragePool "${name}"`;
    requireHost(args, component);
    const spec = parseOrThrow(PoolSpec, { ...args, host: undefined, name: args.name ?? name }, component);
    args.host.checkNameFree("pool", spec.name, component, "name");
    requireUniqueName("virtkit:index:StoragePool", name, opts);
    super("virtkit:index:StoragePool", name, {}, opts);
    args.host.claimName("pool", spec.name, component, "name");
    this.host = args.host;
    this.component = component;
    this.spec = spec;
    this.poolName = spec.name;
    this.targetPath = poolTargetPath(spec);
    this.poolXml = renderPoolXml(spec);
    this.pool = new libvirt.Pool(name, renderPoolArgs(spec), { parent: this, provider: args.host.provider });
    this.registerOutputs({ poolXml: this.poolXml });
  }
}
