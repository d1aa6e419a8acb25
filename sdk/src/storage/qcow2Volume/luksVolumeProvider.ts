import * as pulumi from "@pulumi/pulumi";
import { capacityChange, growVolume } from "../volumeGrowth";

/**
 * A LUKS-encrypted volume, made the way libvirt needs it: a `volume`-usage secret holding
 * the passphrase, then the volume whose `<encryption>` names that secret.
 *
 * Why not the libvirt provider: v0.9.7 has no secret resource, so nothing of it could hold
 * the passphrase for the secret its volume's `target.encryption.secret.uuid` names, and a
 * passphrase must stay a Pulumi secret end to end. This dynamic provider runs `virsh`
 * against the host's URI (as the provider would connect to it) and never puts the
 * passphrase on a command line: it goes through a 0600 file that is removed at once.
 */
export interface LuksVolumeInputs {
  uri: string;
  pool: string;
  name: string;
  /** `virsh vol-create` XML of the volume; its secret uuid is `secretUuid`. */
  volumeXml: string;
  secretUuid: string;
  passphrase: string;
}

export interface LuksVolumeOutputs extends LuksVolumeInputs {
  path: string;
}

/** Properties whose change needs a new volume (and so a new LUKS header); the volume XML but for its capacity, which grows in place. */
const REPLACING = ["uri", "pool", "name", "secretUuid"] as const;

/** The capacity in the volume XML, in bytes (virtkit writes it as `<capacity unit="bytes">`). */
function capacityOf(volumeXml: string): number {
  const m = /<capacity unit="bytes">(\d+)<\/capacity>/.exec(volumeXml);
  if (!m) throw new Error("the volume XML has no capacity in bytes");
  return Number(m[1]);
}

/** Everything the volume XML says but its capacity. */
const withoutCapacity = (volumeXml: string) => volumeXml.replace(/<capacity unit="bytes">\d+<\/capacity>/, "");

/** What a change of inputs asks: a new volume (these properties), growth, a new passphrase; a shrink throws with the reason. */
function luksChange(olds: LuksVolumeInputs, news: LuksVolumeInputs) {
  const replaces: string[] = REPLACING.filter((k) => olds[k] !== news[k]);
  if (withoutCapacity(olds.volumeXml) !== withoutCapacity(news.volumeXml)) replaces.push("volumeXml");
  if (replaces.length) return { replaces, grow: false, passphrase: false };
  const change = capacityChange(`${news.pool}/${news.name}`, capacityOf(olds.volumeXml), capacityOf(news.volumeXml));
  if (change.kind === "shrink") throw new Error(change.reason);
  return { replaces, grow: change.kind === "grow", passphrase: olds.passphrase !== news.passphrase };
}

export const luksVolumeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: LuksVolumeInputs) {
    // Required here, not at the top: Pulumi serialises this provider's functions into the
    // state, and requires inside them stay requires.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
    const { XMLBuilder, XMLParser } = require("fast-xml-parser") as typeof import("fast-xml-parser");
    const fs = require("node:fs") as typeof import("node:fs");
    const os = require("node:os") as typeof import("node:os");
    const path = require("node:path") as typeof import("node:path");
    /* eslint-enable @typescript-eslint/no-require-imports */
    // the environment named, not taken implicitly: whatever PATH the caller set finds virsh
    const virsh = (...args: string[]) => execFileSync("virsh", ["-q", "-c", inputs.uri, ...args], { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] }).trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtkit-luks-"));
    const file = (name: string, content: string) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, content, { mode: 0o600 });
      return f;
    };
    try {
      const pool = new XMLParser({ parseTagValue: false }).parse(virsh("pool-dumpxml", inputs.pool)) as { pool?: { target?: { path?: string } } };
      const poolPath = pool.pool?.target?.path;
      if (!poolPath) throw new Error(`pool ${inputs.pool} has no target path`);
      const volumePath = path.posix.join(poolPath, inputs.name);
      // The secret's usage is the volume's path, as libvirt's own LUKS volumes have it.
      const secretXml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_" }).build({
        secret: { "@_ephemeral": "no", "@_private": "yes", uuid: inputs.secretUuid, usage: { "@_type": "volume", volume: volumePath } },
      }) as string;
      virsh("secret-define", file("secret.xml", secretXml));
      try {
        virsh("secret-set-value", inputs.secretUuid, "--file", file("passphrase", inputs.passphrase), "--plain");
        // qemu-img times its key derivation on the thread's CPU clock and, now and then, reads
        // no time at all ("Unable to get accurate CPU usage"): that failure alone is tried again
        const volumeXml = file("volume.xml", inputs.volumeXml);
        for (let attempt = 1; ; attempt++) {
          try {
            virsh("vol-create", inputs.pool, volumeXml);
            break;
          } catch (e) {
            const stderr = String((e as { stderr?: unknown }).stderr ?? "");
            if (attempt >= 3 || !/Unable to get accurate CPU usage/.test(stderr)) throw e;
          }
        }
      } catch (e) {
        virsh("secret-undefine", inputs.secretUuid);
        throw e;
      }
      return { id: volumePath, outs: { ...inputs, path: volumePath } };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },

  async diff(_id: string, olds: LuksVolumeOutputs, news: LuksVolumeInputs) {
    const c = luksChange(olds, news);
    return { changes: c.replaces.length > 0 || c.grow || c.passphrase, replaces: c.replaces, deleteBeforeReplace: true };
  },

  /**
   * Growth is made in place (the key stays in the secret libvirt and QEMU already use); re-keying a
   * LUKS header in place is not supported: say so, before growing anything.
   */
  async update(_id: string, olds: LuksVolumeOutputs, news: LuksVolumeInputs) {
    const c = luksChange(olds, news);
    if (c.passphrase) {
      throw new Error(
        "changing the passphrase of a LUKS volume in place is not supported; re-key it on the host (qemu-img amend) and set the new passphrase, or replace the volume",
      );
    }
    if (c.grow) growVolume(news.uri, news.pool, news.name, capacityOf(news.volumeXml));
    return { outs: { ...news, path: olds.path } };
  },

  async delete(_id: string, props: LuksVolumeOutputs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const virsh = (...args: string[]) => spawnSync("virsh", ["-q", "-c", props.uri, ...args], { encoding: "utf8" });
    const vol = virsh("vol-delete", "--pool", props.pool, props.name);
    if (vol.status !== 0 && !/not found|no storage vol/i.test(vol.stderr)) throw new Error(`vol-delete ${props.name}: ${vol.stderr.trim()}`);
    virsh("secret-undefine", props.secretUuid);
  },
};

export class LuksVolume extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly secretUuid: pulumi.Output<string>;
  constructor(name: string, args: { [K in keyof LuksVolumeInputs]: pulumi.Input<LuksVolumeInputs[K]> }, opts: pulumi.CustomResourceOptions = {}) {
    super(luksVolumeProvider, name, { ...args, path: undefined }, { ...opts, additionalSecretOutputs: ["passphrase"] }, "virtkit", "LuksVolume");
  }
}
