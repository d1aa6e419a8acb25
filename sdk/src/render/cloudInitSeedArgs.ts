import type * as libvirt from "@pulumi/libvirt";
import type * as pulumi from "@pulumi/pulumi";
import { compact } from "./args";

/**
 * cloud-init's NoCloud seed (user data, meta data), rendered from plain values. Both are YAML
 * to cloud-init; virtkit writes them as JSON, which YAML reads as it is, so every value is
 * quoted and escaped by construction, never by string pasting.
 */

/** The simple form of user data: who may log in, with which SSH keys, under which host name. */
export interface CloudConfig {
  readonly hostname?: string;
  /** Keys for the image's default user (`debian`, `ubuntu`, ...). */
  readonly sshAuthorizedKeys?: readonly string[];
  /** Users to create, each with its keys and, by default, password-less sudo. */
  readonly users?: readonly { readonly name: string; readonly sshAuthorizedKeys: readonly string[]; readonly sudo: boolean }[];
}

/** `#cloud-config` user data for the simple form. */
export function renderCloudConfig(c: CloudConfig): string {
  const doc: Record<string, unknown> = {};
  if (c.hostname) {
    doc.hostname = c.hostname;
    // the name the guest gives itself in /etc/hosts too, so sudo does not stall resolving it
    doc.manage_etc_hosts = true;
  }
  if (c.users?.length) {
    doc.users = [
      // keep the image's default user: the top-level keys below are its keys
      "default",
      ...c.users.map((u) => ({
        name: u.name,
        ssh_authorized_keys: [...u.sshAuthorizedKeys],
        shell: "/bin/bash",
        lock_passwd: true,
        ...(u.sudo ? { sudo: "ALL=(ALL) NOPASSWD:ALL" } : {}),
      })),
    ];
  }
  if (c.sshAuthorizedKeys?.length) doc.ssh_authorized_keys = [...c.sshAuthorizedKeys];
  return `#cloud-config\n${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * NoCloud meta data. The instance id is what cloud-init keys its once-per-instance work on: it
 * stays the domain's name, so changing user data does not re-run first-boot setup.
 */
export function renderMetaData(instanceId: string, hostname: string): string {
  return `${JSON.stringify({ "instance-id": instanceId, "local-hostname": hostname }, null, 2)}\n`;
}

/** Arguments of the provider's cloud-init disk: the NoCloud ISO it builds where `pulumi up` runs. */
export function renderSeedDiskArgs(seed: {
  readonly volume: string;
  readonly userData: pulumi.Input<string>;
  readonly metaData: pulumi.Input<string>;
  readonly networkConfig?: pulumi.Input<string>;
}): libvirt.CloudinitDiskArgs {
  return compact<libvirt.CloudinitDiskArgs>({ name: seed.volume, userData: seed.userData, metaData: seed.metaData, networkConfig: seed.networkConfig });
}

/**
 * Arguments of the pool volume the ISO is uploaded to (`create.content.url` takes a local path).
 * Its format is `iso`, what libvirt reads back from a file pool for it: declared `raw`, provider
 * v0.9.7 would propose an update on every later run, which it refuses ("Storage volumes cannot
 * be updated"). The VM's CD-ROM still reads it with driver type raw.
 */
export function renderSeedVolumeArgs(pool: string, volume: string, isoPath: pulumi.Input<string>): libvirt.VolumeArgs {
  return { name: volume, pool, target: { format: { type: "iso" } }, create: { content: { url: isoPath } } };
}
