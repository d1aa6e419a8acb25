import { execFileSync } from "node:child_process";
import { renderVolumeXml } from "../../sdk/src/render";
import { parseOrThrow } from "../../sdk/src/schema/validate";
import { VolumeSpec } from "../../sdk/src/schema/storage";
import { describeWith, scratchDir, tempXml, virsh, virtXmlValidate } from "../support/libvirt";

const volume = (input: unknown) => parseOrThrow(VolumeSpec, input, "test volume");

describeWith("virtXmlValidate", "rendered volumes against libvirt's schemas", () => {
  it("a qcow2 overlay with a backing store and LUKS encryption validates", () => {
    const xml = renderVolumeXml(
      volume({ name: "db-root.qcow2", pool: "default", capacity: "40GiB", backingStore: { path: "/var/lib/libvirt/images/debian-12.qcow2" }, encryption: { secretUuid: "6dd3e4a5-1d76-44ce-961f-f119f5aad935" } }),
    );
    expect(virtXmlValidate(xml, "storagevol").ok).toBe(true);
    expect(xml).toContain('<secret type="passphrase" uuid="6dd3e4a5-1d76-44ce-961f-f119f5aad935"/>');
  });
});

describeWith("qemuDaemon", "rendered volumes in a real dir pool", () => {
  it("creates a qcow2 overlay whose backing file is the base volume", () => {
    const dir = scratchDir();
    const pool = `vk-${process.pid}`;
    const uri = "qemu:///system";
    try {
      virsh(uri, [`pool-create-as ${pool} dir --target ${dir}`]);
      const base = volume({ name: "base.qcow2", pool, capacity: "64MiB" });
      const overlay = volume({ name: "vm-root.qcow2", pool, capacity: "1GiB", backingStore: { path: `${dir}/base.qcow2` } });
      virsh(uri, [`vol-create ${pool} ${tempXml(renderVolumeXml(base))}`, `vol-create ${pool} ${tempXml(renderVolumeXml(overlay))}`]);
      const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", `${dir}/vm-root.qcow2`], { encoding: "utf8" }));
      expect(info.format).toBe("qcow2");
      expect(info["virtual-size"]).toBe(1024 ** 3);
      expect(info["backing-filename"]).toBe(`${dir}/base.qcow2`);
      expect(info["backing-filename-format"]).toBe("qcow2");
      const baseInfo = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", `${dir}/base.qcow2`], { encoding: "utf8" }));
      expect(baseInfo["virtual-size"]).toBe(64 * 1024 ** 2);
    } finally {
      virsh(uri, [`pool-destroy ${pool}`]);
    }
  });
});
