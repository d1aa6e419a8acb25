import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { renderPoolArgs, renderPoolXml, renderVm, renderVolumeXml } from "../../../sdk/src/render";
import { PoolSpec, VolumeSpec } from "../../../sdk/src/schema";
import { parseOrThrow } from "../../../sdk/src/schema/validate";
import { describeWith, jsonArgs, qemuArgv, scratchDir, tempXml, virsh, virtXmlValidate } from "../../support/libvirt";
import { vmSpec } from "../../support/vms";

const uri = "qemu:///system";
const pool = (input: unknown) => parseOrThrow(PoolSpec, input, "test pool");
const volume = (input: unknown) => parseOrThrow(VolumeSpec, input, "test volume");
const info = (file: string) => JSON.parse(execFileSync("qemu-img", ["info", "--output=json", file], { encoding: "utf8" })) as Record<string, any>;

const kinds = {
  dir: pool({ type: "dir", name: "images", path: "/srv/images" }),
  logical: pool({ type: "logical", name: "fast", volumeGroup: "vg_fast", devices: ["/dev/nvme0n1"] }),
  iscsi: pool({ type: "iscsi", name: "san", portal: { host: "san.example.com", port: 3261 }, target: "iqn.2003-01.org.example:san", initiator: "iqn.1993-08.org.debian:01:hv1" }),
};

describeWith("virtXmlValidate", "pools and their volumes against libvirt's schemas", () => {
  it.each(Object.entries(kinds))("a %s pool validates", (_kind, spec) => {
    expect(virtXmlValidate(renderPoolXml(spec), "storagepool")).toMatchObject({ ok: true });
  });

  it("a logical volume (no format of its own) and a raw file validate", () => {
    expect(virtXmlValidate(renderVolumeXml(volume({ name: "db", pool: "fast", capacity: "20GiB", format: "raw", type: "block" })), "storagevol").ok).toBe(true);
    expect(virtXmlValidate(renderVolumeXml(volume({ name: "s.raw", pool: "images", capacity: "1GiB", format: "raw" })), "storagevol").ok).toBe(true);
  });

  it("the XML and the provider arguments name the same source and target", () => {
    const args = renderPoolArgs(kinds.iscsi) as any;
    const xml = renderPoolXml(kinds.iscsi);
    expect(xml).toContain(`<host name="${args.source.hosts[0].name}" port="${args.source.hosts[0].port}"/>`);
    expect(xml).toContain(`<device path="${args.source.devices[0].path}"/>`);
    expect(xml).toContain(`<iqn name="${args.source.initiator.iqn.name}"/>`);
    expect(xml).toContain(`<path>${args.target.path}</path>`);
  });
});

describeWith("qemuDaemon", "pools on a real libvirtd", () => {
  const defined: string[] = [];
  afterAll(() => {
    for (const p of defined) for (const c of [`pool-destroy ${p}`, `pool-undefine ${p}`]) spawnSync("virsh", ["-q", "-c", uri, c]);
  });

  it("a dir pool is defined, built and started; it holds qcow2 and raw files that a VM's disks read", () => {
    const dir = join(scratchDir(), "pool");
    const spec = pool({ type: "dir", name: `vk-dir-${process.pid}`, path: dir });
    defined.push(spec.name);
    virsh(uri, [`pool-define ${tempXml(renderPoolXml(spec))}`, `pool-build ${spec.name}`, `pool-start ${spec.name}`]);
    virsh(uri, [
      `vol-create ${spec.name} ${tempXml(renderVolumeXml(volume({ name: "a.qcow2", pool: spec.name, capacity: "16MiB" })), "a.xml")}`,
      `vol-create ${spec.name} ${tempXml(renderVolumeXml(volume({ name: "b.raw", pool: spec.name, capacity: "8MiB", format: "raw" })), "b.xml")}`,
    ]);
    expect(info(join(dir, "a.qcow2"))).toMatchObject({ format: "qcow2", "virtual-size": 16 * 1024 ** 2 });
    expect(info(join(dir, "b.raw"))).toMatchObject({ format: "raw", "virtual-size": 8 * 1024 ** 2 });
    const vm = vmSpec({ name: "pool-user", vcpus: 1, domainType: "qemu", memory: { size: "64MiB" }, disks: [{ source: { pool: spec.name, volume: "a.qcow2" } }, { source: { pool: spec.name, volume: "b.raw" }, format: "raw" }] });
    const nodes = jsonArgs(qemuArgv(renderVm(vm).xml), "-blockdev");
    expect(nodes.filter((n) => n.driver === "file").map((n) => n.filename)).toEqual([join(dir, "a.qcow2"), join(dir, "b.raw")]);
    expect(nodes.filter((n) => n.driver === "qcow2" || n.driver === "raw").map((n) => n.driver)).toEqual(["qcow2", "raw"]);
  });

  it("a logical pool on a loop device is defined as written (starting one needs device-mapper, which this kernel lacks)", () => {
    const file = join(scratchDir(), "pv.img");
    execFileSync("truncate", ["-s", "64M", file]);
    const loop = execFileSync("losetup", ["-f", "--show", file], { encoding: "utf8" }).trim();
    try {
      const spec = pool({ type: "logical", name: `vk-lvm-${process.pid}`, volumeGroup: `vk_vg_${process.pid}`, devices: [loop] });
      defined.push(spec.name);
      virsh(uri, [`pool-define ${tempXml(renderPoolXml(spec))}`]);
      const back = virsh(uri, [`pool-dumpxml ${spec.name}`]);
      expect(back).toMatch(new RegExp(`<pool type='logical'>`));
      expect(back).toContain(`<device path='${loop}'/>`);
      expect(back).toContain(`<name>vk_vg_${process.pid}</name>`);
      expect(back).toContain("<format type='lvm2'/>");
      expect(back).toContain(`<path>/dev/vk_vg_${process.pid}</path>`);
      // a logical volume of it, as a VM's block disk: QEMU's command line opens the LV's device
      const vm = vmSpec({ name: "lv-user", vcpus: 1, domainType: "qemu", memory: { size: "64MiB" }, disks: [{ source: { device: `/dev/vk_vg_${process.pid}/db` } }] });
      expect(jsonArgs(qemuArgv(renderVm(vm).xml), "-blockdev")).toEqual(
        expect.arrayContaining([expect.objectContaining({ driver: "host_device", filename: `/dev/vk_vg_${process.pid}/db` })]),
      );
    } finally {
      spawnSync("losetup", ["-d", loop]);
    }
  });
});
