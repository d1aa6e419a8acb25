import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import { poolTargetPath, PoolSpec } from "../../schema/storage";
import { parseOrThrow } from "../../schema/validate";
import { renderPoolArgs } from "../../render/volumeArgs";
import { renderPoolXml } from "../../render/storageXml";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { outputsOf } from "../../program/componentContract";
import { storagePoolContract, type StoragePoolArgs } from "./args";
import { refuseNulls } from "../../program/nullArgs";


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
    refuseNulls(storagePoolContract, component, args);
    requireHost(args, component);
    const spec = parseOrThrow(PoolSpec, { ...args, host: undefined, name: args.name ?? name }, component);
    args.host.checkNameFree("pool", spec.name, component, "name");
    args.host.run.requireUniqueName("StoragePool", name, opts);
    super("virtkit:index:StoragePool", name, {}, opts);
    args.host.claimName("pool", spec.name, component, "name");
    this.host = args.host;
    this.component = component;
    this.spec = spec;
    this.poolName = spec.name;
    this.targetPath = poolTargetPath(spec);
    this.poolXml = renderPoolXml(spec);
    this.pool = new libvirt.Pool(name, renderPoolArgs(spec), args.host.libvirtOptions({ parent: this }));
    this.registerOutputs(outputsOf(storagePoolContract, this));
  }
}
