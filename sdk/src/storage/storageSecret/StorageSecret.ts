import * as pulumi from "@pulumi/pulumi";
import { requireHost, type LibvirtHost } from "../../libvirtHost/LibvirtHost";
import { parseOrThrow } from "../../schema/validate";
import { stableUuid } from "../qcow2Volume/plan";
import { LibvirtSecret } from "./storageSecretProvider";
import { outputsOf } from "../../program/componentContract";
import { StorageSecretArgsSchema, storageSecretContract, type StorageSecretArgs } from "./args";
import { refuseNulls } from "../../program/nullArgs";


/**
 * The key of network disks (Ceph RBD, iSCSI with CHAP) as a private libvirt secret on a host,
 * defined by virtkit's `virtkit:LibvirtSecret` resource (provider v0.9.7 has no secret
 * resource). A disk takes it as `auth: { username, secret: thisSecret }`: the domain names the
 * secret by its usage, and the key stays a Pulumi secret from the program to libvirt.
 */
export class StorageSecret extends pulumi.ComponentResource {
  readonly host: LibvirtHost;
  /** How messages name it: `StorageSecret "ceph-key"`. */
  readonly component: string;
  readonly type: "ceph" | "iscsi";
  readonly usage: string;
  readonly uuid: string;
  readonly secret: LibvirtSecret;

  constructor(name: string, args: StorageSecretArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // never pass args to super: the key would be stored as the component's input
    const component = `StorageSecret "${name}"`;
    refuseNulls(storageSecretContract, component, args);
    requireHost(args, component);
    const a = parseOrThrow(StorageSecretArgsSchema, { ...args, host: undefined }, component);
    const hostKey = typeof args.host.uri === "string" ? args.host.uri : `LibvirtHost:${args.host.hostName}`;
    const uuid = a.uuid ?? stableUuid(`secret|${hostKey}|${a.type}|${a.usage}`);
    // one libvirt secret per UUID: a second definition would overwrite the first one's key
    args.host.checkNameFree("secret", uuid, component, "uuid");
    args.host.run.requireUniqueName("StorageSecret", name, opts);
    super("virtkit:index:StorageSecret", name, {}, opts);
    args.host.claimName("secret", uuid, component, "uuid");
    this.host = args.host;
    this.component = component;
    this.type = a.type;
    this.usage = a.usage;
    this.uuid = uuid;
    this.secret = new LibvirtSecret(
      name,
      { uri: args.host.uriOutput, uuid: this.uuid, type: a.type, usage: a.usage, value: pulumi.secret(args.value) },
      args.host.onHost({ parent: this }),
    );
    this.registerOutputs(outputsOf(storageSecretContract, this));
  }
}
