import { captureChildren, registration, settle, valueOf } from "../../support/mocks";
import { schemaProblems } from "../../support/providerSchema";
import { resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

describe("StoragePool", () => {
  it("registers the provider's pool for a dir, an LVM and an iSCSI pool, in names the schema has", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const dir = new virtkit.StoragePool(uniq("images"), { host, type: "dir", path: "/srv/images" });
    const lvm = new virtkit.StoragePool(uniq("fast"), { host, type: "logical", volumeGroup: "vg_fast", devices: ["/dev/nvme0n1", "/dev/nvme1n1"] });
    const san = new virtkit.StoragePool(uniq("san"), { host, type: "iscsi", portal: { host: "192.0.2.10" }, target: "iqn.2003-01.org.example:san.lun" });
    const inputs = async (p: InstanceType<typeof virtkit.StoragePool>) => (await registration(resources, "libvirt:index/pool:Pool", p.poolName)).inputs;
    expect(await inputs(dir)).toEqual({ name: dir.poolName, type: "dir", target: { path: "/srv/images" } });
    expect(await inputs(lvm)).toEqual({
      name: lvm.poolName,
      type: "logical",
      source: { devices: [{ path: "/dev/nvme0n1" }, { path: "/dev/nvme1n1" }], name: "vg_fast", format: { type: "lvm2" } },
      target: { path: "/dev/vg_fast" },
    });
    expect(await inputs(san)).toEqual({
      name: san.poolName,
      type: "iscsi",
      source: { hosts: [{ name: "192.0.2.10", port: "3260" }], devices: [{ path: "iqn.2003-01.org.example:san.lun" }] },
      target: { path: "/dev/disk/by-path" },
    });
    for (const p of [dir, lvm, san]) expect(schemaProblems("libvirt_pool", await inputs(p))).toEqual([]);
  });

  it("puts volumes in it: qcow2 and raw files in a dir pool, made after the pool", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const pool = new virtkit.StoragePool(uniq("images"), { host, type: "dir", path: "/srv/images" });
    const opts = captureChildren("libvirt:index/volume:Volume");
    const raw = new virtkit.Qcow2Volume(uniq("scratch"), { host, pool, size: "1GiB", format: "raw" }, { transformations: [opts.transformation] });
    expect(raw.volumeName).toMatch(/\.raw$/);
    expect(opts.captured[0].opts.dependsOn).toEqual([pool.pool]);
    expect(await valueOf(raw.volumeXml)).toContain('<format type="raw"/>');
    const vol = await registration(resources, "libvirt:index/volume:Volume", raw.volumeName.replace(/\.raw$/, ""));
    expect(vol.inputs).toMatchObject({ pool: pool.poolName, target: { format: { type: "raw" } } });
    const vmName = uniq("vm");
    new virtkit.PinnedVm(vmName, { host, vcpus: 1, memory: { size: "1GiB" }, disks: [raw] });
    const dom = await registration(resources, "libvirt:index/domain:Domain", vmName);
    expect(dom.inputs.devices.disks[0]).toMatchObject({ source: { volume: { pool: pool.poolName, volume: raw.volumeName } }, driver: { type: "raw" } });
  });

  it("gives a VM a logical volume of an LVM pool as a raw block disk", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const pool = new virtkit.StoragePool(uniq("fast"), { host, type: "logical", volumeGroup: "vg_fast" });
    const lv = new virtkit.Qcow2Volume(uniq("db"), { host, pool, size: "20GiB", format: "raw" });
    expect(lv.volumeName).toBe(lv.volumeName.replace(/\./g, "")); // no file suffix on a logical volume
    expect(await valueOf(lv.volumeXml)).toMatch(/^<volume type="block">/);
    expect(await valueOf(lv.volumeXml)).not.toContain("<format");
    const vmName = uniq("vm");
    const vm = new virtkit.PinnedVm(vmName, { host, vcpus: 1, memory: { size: "1GiB" }, disks: [lv] });
    expect(await valueOf(vm.domainXml)).toMatch(new RegExp(`<disk type="block" device="disk">\\s*<driver name="qemu" type="raw"[^>]*/>\\s*<source dev="/dev/vg_fast/${lv.volumeName}"/>`));
    const dom = await registration(resources, "libvirt:index/domain:Domain", vmName);
    expect(dom.inputs.devices.disks[0].source).toEqual({ block: { dev: `/dev/vg_fast/${lv.volumeName}` } });
  });

  it.each([
    ["a qcow2 logical volume", { type: "logical" }, { format: "qcow2" }, /format: a volume in LVM pool ".*" is a logical volume, a raw block device: set format "raw"/],
    ["an overlay in an LVM pool", { type: "logical" }, { format: "raw", baseImage: { url: "https://images.example/d.qcow2" } }, /baseImage: a logical volume cannot be a copy-on-write overlay/],
    ["a volume made in an iSCSI pool", { type: "iscsi", portal: { host: "san.example" }, target: "iqn.2003-01.org.example:t" }, {}, /pool: iSCSI pool ".*" holds the target's LUNs, which are made on the target/],
    ["a raw overlay", { type: "dir", path: "/srv/x" }, { format: "raw", baseImage: { url: "https://images.example/d.qcow2" } }, /baseImage: a raw volume has no backing file/],
  ])("refuses %s, before registering", async (_label, poolArgs, volArgs, message) => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const pool = new virtkit.StoragePool(uniq("p"), { host, ...(poolArgs as { type: "logical" }) });
    const name = uniq("bad");
    expect(() => new virtkit.Qcow2Volume(name, { host, pool, size: "1GiB", ...(volArgs as object) })).toThrow(message);
    await settle();
    expect(resources.some((r) => r.name === name)).toBe(false);
  });

  it("refuses a bad pool with every problem, naming the fields", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.StoragePool("san", { host, type: "iscsi", portal: { host: "bad host", port: 70000 }, target: "disk1" } as never)).toThrow(
      /StoragePool "san": 3 problems[\s\S]*portal.host: expected a host name or IP address[\s\S]*portal.port[\s\S]*target: expected an iSCSI name/,
    );
    expect(() => new virtkit.StoragePool("nfs", { host, type: "nfs" } as never)).toThrow(/type/);
  });

  it("refuses two pools of one name on a host", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    new virtkit.StoragePool(uniq("a"), { host, type: "dir", path: "/srv/a", name: "data" });
    expect(() => new virtkit.StoragePool("b-pool", { host, type: "dir", path: "/srv/b", name: "data" })).toThrow(/pool "data" on host .* is already declared by StoragePool/);
  });
});
