import * as pulumi from "@pulumi/pulumi";

/**
 * A libvirt secret holding the key of a network disk: a Ceph client key (`ceph`) or an iSCSI
 * CHAP password (`iscsi`). Provider v0.9.7 has no secret resource, so this dynamic provider
 * runs `virsh` on the host's URI, as the LUKS volume does: the secret is private (libvirt
 * never hands the value back), and the value goes through a 0600 file removed at once, never
 * a command line. Domains name it by its usage, so the key is in no domain XML.
 */
export interface StorageSecretInputs {
  uri: string;
  uuid: string;
  type: "ceph" | "iscsi";
  /** The usage name a disk's `<auth><secret usage>` refers to. */
  usage: string;
  /** A Ceph key (base64, as `ceph auth get-key` prints it) or a CHAP password. */
  value: string;
}

const IDENTITY = ["uri", "uuid", "type", "usage"] as const;

/** Stores `value` in secret `uuid`: a Ceph key is base64 already (virsh's own encoding), a password is plain text. */
function setSecretValue(inputs: StorageSecretInputs): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtkit-secret-"));
  try {
    const file = path.join(dir, "value");
    fs.writeFileSync(file, inputs.value, { mode: 0o600 });
    execFileSync("virsh", ["-q", "-c", inputs.uri, "secret-set-value", inputs.uuid, "--file", file, ...(inputs.type === "ceph" ? [] : ["--plain"])], {
      encoding: "utf8",
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const storageSecretProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: StorageSecretInputs) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { execFileSync, spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const { XMLBuilder } = require("fast-xml-parser") as typeof import("fast-xml-parser");
    const fs = require("node:fs") as typeof import("node:fs");
    const os = require("node:os") as typeof import("node:os");
    const path = require("node:path") as typeof import("node:path");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const usage = inputs.type === "ceph" ? { "@_type": "ceph", name: inputs.usage } : { "@_type": "iscsi", target: inputs.usage };
    const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_" }).build({ secret: { "@_ephemeral": "no", "@_private": "yes", uuid: inputs.uuid, usage } }) as string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtkit-secret-"));
    try {
      const file = path.join(dir, "secret.xml");
      fs.writeFileSync(file, xml, { mode: 0o600 });
      execFileSync("virsh", ["-q", "-c", inputs.uri, "secret-define", file], { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    try {
      setSecretValue(inputs);
    } catch (e) {
      spawnSync("virsh", ["-q", "-c", inputs.uri, "secret-undefine", inputs.uuid]);
      throw e;
    }
    return { id: inputs.uuid, outs: { ...inputs } };
  },

  async diff(_id: string, olds: StorageSecretInputs, news: StorageSecretInputs) {
    const replaces = IDENTITY.filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0 || olds.value !== news.value, replaces: [...replaces], deleteBeforeReplace: true };
  },

  /** A new key (a rotated Ceph key, a new CHAP password) goes into the same secret: domains keep naming it. */
  async update(_id: string, _olds: StorageSecretInputs, news: StorageSecretInputs) {
    setSecretValue(news);
    return { outs: { ...news } };
  },

  async delete(_id: string, props: StorageSecretInputs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const r = spawnSync("virsh", ["-q", "-c", props.uri, "secret-undefine", props.uuid], { encoding: "utf8" });
    if (r.status !== 0 && !/not found|no secret/i.test(r.stderr)) throw new Error(`secret-undefine ${props.uuid}: ${r.stderr.trim()}`);
  },
};

/** `virtkit:LibvirtSecret`: a private libvirt secret of usage `ceph` or `iscsi`; its value a Pulumi secret in and out. */
export class LibvirtSecret extends pulumi.dynamic.Resource {
  declare readonly uuid: pulumi.Output<string>;
  constructor(name: string, args: { [K in keyof StorageSecretInputs]: pulumi.Input<StorageSecretInputs[K]> }, opts: pulumi.CustomResourceOptions = {}) {
    super(storageSecretProvider, name, args, { ...opts, additionalSecretOutputs: ["value"] }, "virtkit", "LibvirtSecret");
  }
}
