import { execFileSync, spawnSync } from "node:child_process";
import { renderVm, renderVolumeXml } from "../../sdk/src/render";
import { VolumeSpec } from "../../sdk/src/schema";
import { parseOrThrow } from "../../sdk/src/schema/validate";
import { luksVolumeProvider, type LuksVolumeInputs, type LuksVolumeOutputs } from "../../sdk/src/storage/qcow2Volume/luksVolumeProvider";
import { stableUuid } from "../../sdk/src/storage/qcow2Volume/plan";
import { volumeCapacityProvider, type VolumeCapacityInputs, type VolumeCapacityOutputs } from "../../sdk/src/storage/qcow2Volume/volumeCapacityProvider";
import { capacityChange } from "../../sdk/src/storage/volumeGrowth";
import { describeWith, scratchDir, tempXml, virsh } from "../support/libvirt";
import { vmSpec } from "../support/vms";

const uri = "qemu:///system";
const MiB = 1024 ** 2;

const qemuImgInfo = (file: string) => JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", file], { encoding: "utf8" })) as Record<string, any>;
/** Writes 1 MiB of byte `pattern` at `offset` with qemu-io; `read` checks it is still there (qemu-io fails the read otherwise). */
const qemuIo = (file: string, op: "write" | "read", offset: number, extra: string[] = []) => {
  const r = spawnSync("qemu-io", [...extra, "-c", `${op} -P 0xab ${offset} 1M`, file], { encoding: "utf8" });
  return { ok: r.status === 0 && !/Pattern verification failed|error/i.test(r.stdout + r.stderr), output: r.stdout + r.stderr };
};

describe("what a capacity change asks", () => {
  it("is nothing, growth, or a shrink refused with the reason and the way out", () => {
    expect(capacityChange("p/v", 32 * MiB, 32 * MiB)).toEqual({ kind: "same" });
    expect(capacityChange("p/v", 32 * MiB, 48 * MiB)).toEqual({ kind: "grow", from: 32 * MiB, to: 48 * MiB });
    const shrink = capacityChange("p/v", 2 * 1024 ** 3, 1536 * MiB);
    expect(shrink).toEqual({ kind: "shrink", reason: expect.stringContaining("volume p/v cannot shrink from 2GiB to 1536MiB") });
    expect(shrink.kind === "shrink" && shrink.reason).toMatch(/Set size back to 2GiB or more; to make it smaller, copy the data to a new, smaller volume/);
  });
});

describeWith("qemuDaemon", "growing volumes in place on a real dir pool, keeping their data", () => {
  const dir = scratchDir();
  const pool = `vk-grow-${process.pid}`;
  beforeAll(() => virsh(uri, [`pool-create-as ${pool} dir --target ${dir}`]));
  afterAll(() => virsh(uri, [`pool-destroy ${pool}`]));

  const makeVolume = (name: string, capacity: string) => {
    virsh(uri, [`vol-create ${pool} ${tempXml(renderVolumeXml(parseOrThrow(VolumeSpec, { name, pool, capacity }, "v")))}`]);
    return `${dir}/${name}`;
  };
  const inputs = (name: string, capacity: number): VolumeCapacityInputs => ({ uri, pool, name, capacity });

  it("grows a volume no domain runs on with vol-resize: the data stays, qemu-img sees the new size", async () => {
    const file = makeVolume("offline.qcow2", "32MiB");
    expect(qemuIo(file, "write", 0).ok).toBe(true);
    expect(qemuIo(file, "write", 31 * MiB).ok).toBe(true); // the last MiB: what a shrink would cut
    const created = await volumeCapacityProvider.create(inputs("offline.qcow2", 32 * MiB));
    const olds = created.outs as VolumeCapacityOutputs;
    expect(olds.grownBy).toBeUndefined();

    const news = inputs("offline.qcow2", 48 * MiB);
    expect(await volumeCapacityProvider.diff!(created.id, olds, news)).toEqual({ changes: true, replaces: [] });
    const updated = await volumeCapacityProvider.update!(created.id, olds, news);
    expect(updated.outs).toMatchObject({ capacity: 48 * MiB, grownBy: "vol-resize" });

    expect(qemuImgInfo(file)["virtual-size"]).toBe(48 * MiB);
    expect(qemuIo(file, "read", 0).ok).toBe(true);
    expect(qemuIo(file, "read", 31 * MiB).ok).toBe(true);
    // and the new space is there to be written
    expect(qemuIo(file, "write", 47 * MiB).ok).toBe(true);
    // the same capacity again is no change; deleting the capacity leaves the volume
    expect(await volumeCapacityProvider.diff!(created.id, updated.outs as VolumeCapacityOutputs, news)).toEqual({ changes: false, replaces: [] });
    await volumeCapacityProvider.delete!(created.id, updated.outs);
    expect(qemuImgInfo(file)["virtual-size"]).toBe(48 * MiB);
  });

  it("refuses a shrink in diff, with the reason, before anything changes", async () => {
    const file = makeVolume("noshrink.qcow2", "32MiB");
    const created = await volumeCapacityProvider.create(inputs("noshrink.qcow2", 32 * MiB));
    await expect(volumeCapacityProvider.diff!(created.id, created.outs, inputs("noshrink.qcow2", 16 * MiB))).rejects.toThrow(
      `volume ${pool}/noshrink.qcow2 cannot shrink from 32MiB to 16MiB`,
    );
    await expect(volumeCapacityProvider.update!(created.id, created.outs, inputs("noshrink.qcow2", 16 * MiB))).rejects.toThrow(/cannot shrink/);
    // nor may an existing volume be adopted at a smaller size
    await expect(volumeCapacityProvider.create(inputs("noshrink.qcow2", 16 * MiB))).rejects.toThrow(/cannot shrink from 32MiB to 16MiB/);
    expect(qemuImgInfo(file)["virtual-size"]).toBe(32 * MiB);
  });

  it("adopts an existing smaller volume by growing it, and replaces only its own record for another volume", async () => {
    const file = makeVolume("adopted.qcow2", "16MiB");
    const created = await volumeCapacityProvider.create(inputs("adopted.qcow2", 24 * MiB));
    expect(created.outs).toMatchObject({ grownBy: "vol-resize" });
    expect(qemuImgInfo(file)["virtual-size"]).toBe(24 * MiB);
    expect(await volumeCapacityProvider.diff!(created.id, created.outs, inputs("other.qcow2", 8 * MiB))).toMatchObject({ changes: true, replaces: ["name"] });
  });

  it("grows a volume under a running TCG domain with blockresize: the guest's disk grows, the data stays", async () => {
    const file = makeVolume("live.qcow2", "32MiB");
    expect(qemuIo(file, "write", 0).ok).toBe(true);
    const name = `vk-grow-live-${process.pid}`;
    const vm = vmSpec({ name, vcpus: 1, domainType: "qemu", memory: { size: "64MiB" }, disks: [{ source: { pool, volume: "live.qcow2" } }] });
    virsh(uri, [`create ${tempXml(renderVm(vm).xml)}`]);
    try {
      const created = await volumeCapacityProvider.create(inputs("live.qcow2", 32 * MiB));
      // QEMU holds the image: libvirt's storage driver could not resize it now
      expect(spawnSync("qemu-img", ["resize", file, "40M"], { encoding: "utf8" }).stderr).toMatch(/lock/);
      const updated = await volumeCapacityProvider.update!(created.id, created.outs, inputs("live.qcow2", 64 * MiB));
      expect(updated.outs).toMatchObject({ grownBy: `blockresize ${name} vda` });
      // what the running guest's disk now is, as QEMU reports it
      expect(virsh(uri, [`domblkinfo ${name} vda`])).toMatch(new RegExp(`Capacity:\\s+${64 * MiB}\\b`));
    } finally {
      virsh(uri, [`destroy ${name}`]);
    }
    expect(qemuImgInfo(file)["virtual-size"]).toBe(64 * MiB);
    expect(qemuIo(file, "read", 0).ok).toBe(true);
  });

  describe("an encrypted volume grows inside virtkit's LUKS resource", () => {
    const luks = (name: string, capacity: string): LuksVolumeInputs => {
      const uuid = stableUuid(`grow|${pool}|${name}`);
      return {
        uri,
        pool,
        name,
        secretUuid: uuid,
        passphrase: "correct horse battery staple",
        volumeXml: renderVolumeXml(parseOrThrow(VolumeSpec, { name, pool, capacity, encryption: { secretUuid: uuid } }, "v")),
      };
    };
    // qemu-io opening the LUKS image itself, keyed by the test's passphrase
    const keyed = (file: string) => ["--object", "secret,id=k0,data=correct horse battery staple", "--image-opts", `driver=qcow2,encrypt.key-secret=k0,file.filename=${file}`];

    it("grows in place with the key libvirt holds; the data stays readable", async () => {
      const created = await luksVolumeProvider.create(luks("enc-grow.qcow2", "32MiB"));
      const olds = created.outs as LuksVolumeOutputs;
      try {
        const write = spawnSync("qemu-io", [...keyed(created.id).slice(0, 3), "-c", "write -P 0xab 0 1M", ...keyed(created.id).slice(3)], { encoding: "utf8" });
        expect(write.status).toBe(0);
        const news = luks("enc-grow.qcow2", "48MiB");
        expect(await luksVolumeProvider.diff!(created.id, olds, news)).toMatchObject({ changes: true, replaces: [] });
        const updated = await luksVolumeProvider.update!(created.id, olds, news);
        expect(updated.outs).toMatchObject({ path: created.id, volumeXml: news.volumeXml });
        const info = qemuImgInfo(created.id);
        expect(info["virtual-size"]).toBe(48 * MiB);
        expect(info["format-specific"].data.encrypt.format).toBe("luks");
        const read = spawnSync("qemu-io", [...keyed(created.id).slice(0, 3), "-c", "read -P 0xab 0 1M", ...keyed(created.id).slice(3)], { encoding: "utf8" });
        expect(read.status).toBe(0);
        expect(read.stdout).not.toMatch(/Pattern verification failed/);

        await expect(luksVolumeProvider.diff!(created.id, updated.outs as LuksVolumeOutputs, luks("enc-grow.qcow2", "32MiB"))).rejects.toThrow(
          `volume ${pool}/enc-grow.qcow2 cannot shrink from 48MiB to 32MiB`,
        );
      } finally {
        await luksVolumeProvider.delete!(created.id, olds);
      }
    });

    it("a new passphrase with a new size is refused whole: nothing grows", async () => {
      const created = await luksVolumeProvider.create(luks("enc-both.qcow2", "32MiB"));
      try {
        const news = { ...luks("enc-both.qcow2", "48MiB"), passphrase: "another" };
        await expect(luksVolumeProvider.update!(created.id, created.outs, news)).rejects.toThrow(/passphrase of a LUKS volume in place is not supported/);
        expect(qemuImgInfo(created.id)["virtual-size"]).toBe(32 * MiB);
      } finally {
        await luksVolumeProvider.delete!(created.id, created.outs);
      }
    });
  });
});
