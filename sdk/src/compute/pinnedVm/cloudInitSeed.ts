import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import { z } from "zod";
import { LibvirtName } from "../../schema/common";
import { GuestHostname, SshPublicKey, UserName } from "../../schema/guest";
import { renderCloudConfig, renderMetaData, renderSeedDiskArgs, renderSeedVolumeArgs } from "../../render/cloudInitSeedArgs";
import { InputChecks, isLater } from "../../program/inputs";
import type { LibvirtHost } from "../../libvirtHost/LibvirtHost";
import type { CloudInitArgs } from "./args";

/** A VM's cloud-init, checked: where its ISO goes and what it holds. */
export interface CloudInitPlan {
  readonly pool: string;
  readonly volume: string;
  readonly userData: pulumi.Input<string>;
  readonly metaData: pulumi.Input<string>;
  readonly networkConfig: pulumi.Input<string> | undefined;
}

const NonEmpty = (what: string) => z.string({ error: `expected ${what} as a string` }).min(1, { message: `${what} is empty` });

/** Checks a VM's cloud-init arguments; plain problems go to `checks` (all at once), later ones fail on resolution. */
export function planCloudInit(args: CloudInitArgs, domainName: string, defaultPool: string, checks: InputChecks): CloudInitPlan | undefined {
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    checks.add("cloudInit", "expected { userData } or { users?, sshAuthorizedKeys?, hostname? }, with metaData?, networkConfig?, pool?");
    return undefined;
  }
  const simple = args.users !== undefined || args.sshAuthorizedKeys !== undefined;
  if (args.userData !== undefined && simple) checks.add("cloudInit.userData", "give userData or the simple form (users, sshAuthorizedKeys), not both: user data is one document");
  if (args.metaData !== undefined && args.hostname !== undefined) checks.add("cloudInit.hostname", "the host name is part of the meta data: give metaData or hostname, not both");
  const pool = checks.check(args.pool ?? defaultPool, LibvirtName, "cloudInit.pool") as string | undefined;
  if (isLater(args.pool)) checks.add("cloudInit.pool", "must be a plain string: the seed volume's name is claimed in its pool while the program runs");
  const hostname = checks.check(args.hostname, GuestHostname, "cloudInit.hostname") ?? domainName;

  const keys = (list: pulumi.Input<string>[] | undefined, path: string) => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) return void checks.add(path, "expected a list of SSH public keys"), [];
    return list.map((k, i) => checks.check(k, SshPublicKey, `${path}[${i}]`) ?? "");
  };
  const defaultKeys = keys(args.sshAuthorizedKeys, "cloudInit.sshAuthorizedKeys");
  const users = (Array.isArray(args.users) ? args.users : args.users === undefined ? [] : (checks.add("cloudInit.users", "expected a list of { name, sshAuthorizedKeys, sudo? }"), [])).map((u, i) => ({
    name: (checks.check(u?.name, UserName, `cloudInit.users[${i}].name`) as string | undefined) ?? "",
    sshAuthorizedKeys: keys(u?.sshAuthorizedKeys, `cloudInit.users[${i}].sshAuthorizedKeys`),
    sudo: u?.sudo ?? true,
  }));
  const userData = simple
    ? pulumi.all([hostname, defaultKeys, users.map((u) => pulumi.all(u.sshAuthorizedKeys))]).apply(([h, k, userKeys]) =>
        renderCloudConfig({ hostname: h, sshAuthorizedKeys: k, users: users.map((u, i) => ({ name: u.name, sshAuthorizedKeys: userKeys[i], sudo: u.sudo })) }),
      )
    : checks.check(args.userData, NonEmpty("user data"), "cloudInit.userData");
  if (!simple && args.userData === undefined) checks.add("cloudInit", "nothing to tell the guest: give userData, or users / sshAuthorizedKeys (the simple form)");
  const metaData = args.metaData !== undefined ? checks.check(args.metaData, NonEmpty("meta data"), "cloudInit.metaData") : pulumi.output(hostname).apply((h) => renderMetaData(domainName, h));
  const networkConfig = checks.check(args.networkConfig, NonEmpty("network config"), "cloudInit.networkConfig");
  if (!pool || userData === undefined || metaData === undefined) return undefined;
  return { pool, volume: `${domainName}-cloudinit.iso`, userData, metaData, networkConfig };
}

/**
 * The seed: the provider's cloud-init disk (an ISO it builds where `pulumi up` runs) and the
 * pool volume it is uploaded to. A change of data replaces both; the ISO's volume keeps its
 * name, so the old one goes first.
 */
export function registerCloudInit(name: string, plan: CloudInitPlan, host: LibvirtHost, parent: pulumi.Resource): libvirt.Volume {
  const opts = host.libvirtOptions({ parent, deleteBeforeReplace: true });
  const seed = new libvirt.CloudinitDisk(`${name}-cloudinit`, renderSeedDiskArgs(plan), opts);
  return new libvirt.Volume(`${name}-cloudinit`, renderSeedVolumeArgs(plan.pool, plan.volume, seed.path), { ...opts, replaceOnChanges: ["create"] });
}
