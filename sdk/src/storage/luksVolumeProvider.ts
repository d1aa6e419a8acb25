import * as pulumi from "@pulumi/pulumi";

/**
 * A LUKS-encrypted volume, made the way libvirt needs it: a `volume`-usage secret holding
 * the passphrase, then the volume whose `<encryption>` names that secret.
 *
 * Why not the libvirt provider: in v0.9.7 the volume's `target.encryption.secret.uuid` is
 * read-only and it has no secret resource, so its LUKS volumes reach libvirt without a
 * secret ("missing secret uuid or usage attribute"). This dynamic provider runs `virsh`
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

/** Properties whose change needs a new volume (and so a new LUKS header): all but none. */
const REPLACING = ["uri", "pool", "name", "volumeXml", "secretUuid", "passphrase"] as const;

export const luksVolumeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: LuksVolumeInputs) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
    const fs = require("node:fs") as typeof import("node:fs");
    const os = require("node:os") as typeof import("node:os");
    const path = require("node:path") as typeof import("node:path");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const virsh = (...args: string[]) => execFileSync("virsh", ["-q", "-c", inputs.uri, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtkit-luks-"));
    const file = (name: string, content: string) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, content, { mode: 0o600 });
      return f;
    };
    const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    try {
      const poolPath = /<target>\s*<path>([^<]+)<\/path>/.exec(virsh("pool-dumpxml", inputs.pool))?.[1];
      if (!poolPath) throw new Error(`pool ${inputs.pool} has no target path`);
      const volumePath = path.posix.join(poolPath, inputs.name);
      // The secret's usage is the volume's path, as libvirt's own LUKS volumes have it.
      virsh(
        "secret-define",
        file(
          "secret.xml",
          `<secret ephemeral='no' private='yes'><uuid>${escape(inputs.secretUuid)}</uuid><usage type='volume'><volume>${escape(volumePath)}</volume></usage></secret>`,
        ),
      );
      try {
        virsh("secret-set-value", inputs.secretUuid, "--file", file("passphrase", inputs.passphrase), "--plain");
        virsh("vol-create", inputs.pool, file("volume.xml", inputs.volumeXml));
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
    const replaces = REPLACING.filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces: [...replaces], deleteBeforeReplace: true };
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
