import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderVm, renderVolumeXml } from "../../../sdk/src/render";
import { VolumeSpec } from "../../../sdk/src/schema";
import { parseOrThrow } from "../../../sdk/src/schema/validate";
import { luksVolumeProvider, type LuksVolumeInputs, type LuksVolumeOutputs } from "../../../sdk/src/storage/qcow2Volume/luksVolumeProvider";
import { stableUuid } from "../../../sdk/src/storage/qcow2Volume/plan";
import { describeWith, jsonArgs, qemuArgv, scratchDir, virsh } from "../../support/libvirt";
import { vmSpec } from "../../support/vms";

const uri = "qemu:///system";

describeWith("qemuDaemon", "LUKS volumes made by virtkit's provider on a real libvirtd", () => {
  const dir = scratchDir();
  const pool = `vk-luks-${process.pid}`;
  beforeAll(() => virsh(uri, [`pool-create-as ${pool} dir --target ${dir}`]));
  afterAll(() => virsh(uri, [`pool-destroy ${pool}`]));

  const inputs = (name: string, uuid = stableUuid(`test|${pool}|${name}`)): LuksVolumeInputs => ({
    uri,
    pool,
    name,
    secretUuid: uuid,
    passphrase: "correct horse battery staple",
    volumeXml: renderVolumeXml(parseOrThrow(VolumeSpec, { name, pool, capacity: "32MiB", encryption: { secretUuid: uuid } }, "v")),
  });

  it("creates a qcow2 volume with a LUKS header, keyed by a private libvirt secret, and deletes both", async () => {
    const created = await luksVolumeProvider.create(inputs("enc.qcow2"));
    const outs = created.outs as LuksVolumeOutputs;
    expect(created.id).toBe(`${dir}/enc.qcow2`);
    const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", created.id], { encoding: "utf8" }));
    expect(info.format).toBe("qcow2");
    expect(info["format-specific"].data.encrypt.format).toBe("luks");
    expect(virsh(uri, ["secret-list"])).toContain(outs.secretUuid);
    // private: libvirt will not hand the passphrase back
    expect(spawnSync("virsh", ["-c", uri, "secret-get-value", outs.secretUuid]).status).not.toBe(0);

    // A domain finds the secret by its usage (the volume's path), which is how the provider's
    // arguments name it: QEMU gets the key for the LUKS header.
    const vm = vmSpec({ name: "luks-user", vcpus: 1, memory: { size: "64MiB" }, disks: [{ source: { pool, volume: "enc.qcow2" }, encryption: { secretUuid: outs.secretUuid } }] });
    const byUsage = renderVm(vm).xml.replace(`uuid="${outs.secretUuid}"`, `usage="${created.id}"`);
    const disk = jsonArgs(qemuArgv(byUsage), "-blockdev").find((b) => b.driver === "qcow2") as { encrypt?: { format: string; "key-secret": string } };
    expect(disk.encrypt).toMatchObject({ format: "luks", "key-secret": expect.stringMatching(/encryption-secret/) });

    await luksVolumeProvider.delete!(created.id, outs);
    expect(existsSync(created.id)).toBe(false);
    expect(virsh(uri, ["secret-list"])).not.toContain(outs.secretUuid);
  });

  it("leaves no secret behind when the volume cannot be created", async () => {
    const first = await luksVolumeProvider.create(inputs("taken.qcow2"));
    const clash = inputs("taken.qcow2", stableUuid("another"));
    await expect(luksVolumeProvider.create(clash)).rejects.toThrow();
    expect(virsh(uri, ["secret-list"])).not.toContain(clash.secretUuid);
    await luksVolumeProvider.delete!(first.id, first.outs);
  });

  it("tries again when qemu-img could not time its key derivation, and only then", async () => {
    // a virsh that fails the first vol-create the way qemu-img now and then does
    const bin = scratchDir();
    const marker = join(bin, "failed-once");
    const real = execFileSync("sh", ["-c", "command -v virsh"], { encoding: "utf8" }).trim();
    writeFileSync(
      join(bin, "virsh"),
      `#!/bin/sh
case "$*" in *vol-create*) if [ ! -e ${marker} ]; then touch ${marker}; echo "error: qemu-img: x.qcow2: Unable to get accurate CPU usage" >&2; exit 1; fi;; esac
exec ${real} "$@"
`,
      { mode: 0o755 },
    );
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const created = await luksVolumeProvider.create(inputs("retried.qcow2"));
      expect(existsSync(marker)).toBe(true);
      expect(existsSync(created.id)).toBe(true);
      await luksVolumeProvider.delete!(created.id, created.outs);
    } finally {
      process.env.PATH = path;
    }
  });

  it("replaces the volume when what it is changes", async () => {
    const olds = { ...inputs("x.qcow2"), path: "/x" };
    expect(await luksVolumeProvider.diff!("/x", olds, inputs("x.qcow2"))).toMatchObject({ changes: false, replaces: [] });
    expect(await luksVolumeProvider.diff!("/x", olds, { ...inputs("x.qcow2"), name: "y.qcow2" })).toMatchObject({ changes: true, replaces: ["name"] });
  });

  it("refuses a new passphrase instead of replacing (and so wiping) the volume", async () => {
    const olds = { ...inputs("x.qcow2"), path: "/x" };
    const news = { ...inputs("x.qcow2"), passphrase: "new" };
    expect(await luksVolumeProvider.diff!("/x", olds, news)).toMatchObject({ changes: true, replaces: [] });
    await expect(luksVolumeProvider.update!("/x", olds, news)).rejects.toThrow(/changing the passphrase of a LUKS volume in place is not supported/);
  });
});
