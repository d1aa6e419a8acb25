import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildDomainModel, layoutFromSpec, renderDomainArgs, renderVm } from "../../sdk/src/render";
import { describeWith, jsonArgs, qemuArgv, scratchDir, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { schemaProblems } from "../support/providerSchema";
import { vmSpec } from "../support/vms";

const uri = "qemu:///system";
const MiB = 1024 ** 2;

const blockVm = (name: string, device: string) =>
  vmSpec({ name, vcpus: 1, domainType: "qemu", memory: { size: "64MiB" }, disks: [{ source: { device } }, { source: { device: "/dev/vg0/db" }, format: "qcow2", bus: "scsi" }] });

describe("a disk on a host block device", () => {
  it("is <disk type='block'> with <source dev>, raw unless told, in XML and provider arguments alike", () => {
    const vm = blockVm("blk", "/dev/loop7");
    const xml = renderVm(vm).xml;
    expect(xml).toMatch(/<disk type="block" device="disk">\s*<driver name="qemu" type="raw"[^>]*\/>\s*<source dev="\/dev\/loop7"\/>/);
    expect(xml).toMatch(/<driver name="qemu" type="qcow2"[^>]*\/>\s*<source dev="\/dev\/vg0\/db"\/>\s*<target dev="sda" bus="scsi"\/>/);
    const args = renderDomainArgs(buildDomainModel(vm, layoutFromSpec(vm)));
    const disks = (args.devices as { disks: { source: unknown; driver: { type: string } }[] }).disks;
    expect(disks.map((d) => [d.source, d.driver.type])).toEqual([
      [{ block: { dev: "/dev/loop7" } }, "raw"],
      [{ block: { dev: "/dev/vg0/db" } }, "qcow2"],
    ]);
    expect(schemaProblems("libvirt_domain", args)).toEqual([]);
  });

  it("needs an absolute path", () => {
    expect(() => vmSpec({ name: "b", vcpus: 1, memory: { size: "64MiB" }, disks: [{ source: { device: "loop7" } }] })).toThrow(/disks\[0\]\.source/);
  });
});

describeWith("virtXmlValidate", "block disks against libvirt's schema", () => {
  it("validates", () => {
    expect(virtXmlValidate(renderVm(blockVm("blk", "/dev/loop7")).xml, "domain").ok).toBe(true);
  });
});

describeWith("qemuDaemon", "a block disk on a real loop device in a running TCG domain", () => {
  const dir = scratchDir();
  let loop = "";
  beforeAll(() => {
    const file = join(dir, "backing.raw");
    execFileSync("truncate", ["-s", "16M", file]);
    // a pattern on the device, to find it again through the guest's disk
    execFileSync("qemu-io", ["-f", "raw", "-c", "write -P 0xcd 0 1M", file]);
    loop = execFileSync("losetup", ["-f", "--show", file], { encoding: "utf8" }).trim();
  });
  afterAll(() => {
    if (loop) spawnSync("losetup", ["-d", loop]);
  });

  it("QEMU opens the device as a host_device, raw, with the disk's cache and AIO modes", () => {
    const argv = qemuArgv(renderVm(vmSpec({ name: `vk-blk-${process.pid}`, vcpus: 1, domainType: "qemu", memory: { size: "64MiB" }, disks: [{ source: { device: loop } }] })).xml);
    const nodes = jsonArgs(argv, "-blockdev");
    expect(nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ driver: "host_device", filename: loop, aio: "native", cache: { direct: true, "no-flush": false } }),
        expect.objectContaining({ driver: "raw" }),
      ]),
    );
  });

  it("a running domain has it as vda: libvirt reports the device's size, and the data is the device's", () => {
    const name = `vk-blk-run-${process.pid}`;
    virsh(uri, [`create ${tempXml(renderVm(vmSpec({ name, vcpus: 1, domainType: "qemu", memory: { size: "64MiB" }, disks: [{ source: { device: loop } }] })).xml)}`]);
    try {
      expect(virsh(uri, [`domstate ${name}`]).trim()).toBe("running");
      expect(virsh(uri, [`domblklist ${name} --details`])).toMatch(new RegExp(`block\\s+disk\\s+vda\\s+${loop}`));
      expect(virsh(uri, [`domblkinfo ${name} vda`])).toMatch(new RegExp(`Capacity:\\s+${16 * MiB}\\b`));
      // what the guest reads is what is on the device: QEMU's own qemu-io on the disk's node
      // (HMP prints its result to QEMU's stdout, the domain's log); a wrong pattern is the control
      const log = `/var/log/libvirt/qemu/${name}.log`;
      const qemuIoRead = (pattern: string) => {
        const before = readFileSync(log, "utf8").length;
        virsh(uri, [`qemu-monitor-command ${name} --hmp 'qemu-io libvirt-1-format "read -P ${pattern} 0 1M"'`]);
        return readFileSync(log, "utf8").slice(before);
      };
      const read = qemuIoRead("0xcd");
      expect(read).toMatch(/read 1048576\/1048576 bytes at offset 0/);
      expect(read).not.toMatch(/Pattern verification failed/);
      expect(qemuIoRead("0xce")).toMatch(/Pattern verification failed/);
    } finally {
      virsh(uri, [`destroy ${name}`]);
    }
  });
});
