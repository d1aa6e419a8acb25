import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderPoolXml, renderVm } from "../../sdk/src/render";
import { PoolSpec } from "../../sdk/src/schema";
import { parseOrThrow } from "../../sdk/src/schema/validate";
import { stableUuid } from "../../sdk/src/storage/qcow2Volume/plan";
import { storageSecretProvider, type StorageSecretInputs } from "../../sdk/src/storage/storageSecret/storageSecretProvider";
import { describeWith, jsonArgs, qemuArgv, scratchDir, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { vmSpec } from "../support/vms";

const uri = "qemu:///system";
const CEPH_KEY = "AQBzdWJ0ZXN0a2V5Zm9ydmlydGtpdHRlc3RzPT0AAA==";
const usage = `client.vk-${process.pid} secret`;

const rbdVm = (name: string) =>
  vmSpec({
    name,
    vcpus: 1,
    domainType: "qemu",
    memory: { size: "64MiB" },
    disks: [{ source: { rbd: { pool: "rbd", image: "db", monitors: [{ host: "192.0.2.11" }, { host: "192.0.2.12", port: 3300 }] } }, auth: { username: "libvirt", secret: { type: "ceph", usage } } }],
  });

describeWith("virtXmlValidate", "network disks against libvirt's schema", () => {
  it("an RBD disk with its auth secret and an iSCSI LUN validate", () => {
    const vm = vmSpec({
      name: "net",
      vcpus: 1,
      memory: { size: "64MiB" },
      disks: [...rbdVm("x").disks, { source: { iscsi: { portal: { host: "san.example" }, target: "iqn.2003-01.org.example:san", lun: 1 } } }],
    });
    expect(virtXmlValidate(renderVm(vm).xml, "domain")).toMatchObject({ ok: true });
  });
});

describeWith("qemuDaemon", "a Ceph secret made by virtkit's provider, and an RBD disk that uses it", () => {
  const inputs = (value = CEPH_KEY): StorageSecretInputs => ({ uri, uuid: stableUuid(`test|${usage}`), type: "ceph", usage, value });
  let created: { id: string; outs: StorageSecretInputs } | undefined;
  afterAll(async () => {
    if (created) await storageSecretProvider.delete!(created.id, created.outs);
  });

  it("defines a private ceph secret of that usage, holding the key, which libvirt will not hand back", async () => {
    created = (await storageSecretProvider.create(inputs())) as { id: string; outs: StorageSecretInputs };
    const xml = virsh(uri, [`secret-dumpxml ${created.id}`]);
    expect(xml).toMatch(/<secret ephemeral='no' private='yes'>/);
    expect(xml).toContain(`<usage type='ceph'>`);
    expect(xml).toContain(`<name>${usage}</name>`);
    expect(spawnSync("virsh", ["-c", uri, "secret-get-value", created.id]).status).not.toBe(0);
  });

  it("QEMU's command line opens the RBD image with the key from the secret, never the key itself", () => {
    const argv = qemuArgv(renderVm(rbdVm(`vk-rbd-${process.pid}`)).xml);
    const rbd = jsonArgs(argv, "-blockdev").find((b) => b.driver === "rbd") as Record<string, unknown>;
    expect(rbd).toMatchObject({
      pool: "rbd",
      image: "db",
      server: [{ host: "192.0.2.11", port: "6789" }, { host: "192.0.2.12", port: "3300" }],
      user: "libvirt",
      "auth-client-required": ["cephx", "none"],
      "key-secret": expect.any(String),
    });
    // the key travels encrypted with the domain's master key, as a secret object
    const secret = jsonArgs(argv, "-object").find((o) => o.id === rbd["key-secret"]);
    expect(secret).toMatchObject({ "qom-type": "secret", keyid: "masterKey0", format: "base64" });
    expect(argv.join(" ")).not.toContain(CEPH_KEY);
  });

  it("a new key goes into the same secret; the usage or type changing replaces it", async () => {
    const olds = created!.outs;
    expect(await storageSecretProvider.diff!(created!.id, olds, inputs("AQBuZXdrZXk="))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    expect(await storageSecretProvider.diff!(created!.id, olds, { ...inputs(), usage: "other" })).toMatchObject({ replaces: ["usage"] });
    await storageSecretProvider.update!(created!.id, olds, inputs("AQBuZXdrZXk="));
    expect(virsh(uri, ["secret-list"])).toContain(created!.id);
  });

  it("delete leaves no secret", async () => {
    await storageSecretProvider.delete!(created!.id, created!.outs);
    expect(virsh(uri, ["secret-list"])).not.toContain(created!.id);
    created = undefined;
  });
});

describeWith("tgtd", "an iSCSI LUN from a real target on loopback (Debian's tgt)", () => {
  const dir = scratchDir();
  const port = 20000 + (process.pid % 20000);
  const control = String(1000 + (process.pid % 30000));
  const iqn = `iqn.2026-11.test.virtkit:lun-${process.pid}`;
  const tgtadm = (...args: string[]) => execFileSync("tgtadm", ["-C", control, "--lld", "iscsi", ...args], { encoding: "utf8" });
  beforeAll(() => {
    const file = join(dir, "lun.raw");
    execFileSync("truncate", ["-s", "16M", file]);
    execFileSync("qemu-io", ["-f", "raw", "-c", "write -P 0xe1 0 1M", file]);
    execFileSync("tgtd", ["-C", control, "--iscsi", `portal=127.0.0.1:${port}`]);
    tgtadm("--op", "new", "--mode", "target", "--tid", "1", "-T", iqn);
    tgtadm("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "-b", file);
    tgtadm("--op", "bind", "--mode", "target", "--tid", "1", "-I", "127.0.0.1");
  });
  afterAll(() => {
    // tgtd stops only once its targets are gone
    spawnSync("tgtadm", ["-C", control, "--lld", "iscsi", "--op", "delete", "--mode", "target", "--tid", "1", "--force"]);
    spawnSync("tgtadm", ["-C", control, "--op", "delete", "--mode", "system"]);
  });

  const iscsiVm = (name: string) =>
    vmSpec({ name, vcpus: 1, domainType: "qemu", memory: { size: "64MiB" }, disks: [{ source: { iscsi: { portal: { host: "127.0.0.1", port }, target: iqn, lun: 1 } } }] });

  it("QEMU's command line reaches the LUN through its own initiator", () => {
    const iscsi = jsonArgs(qemuArgv(renderVm(iscsiVm("vk-iscsi-argv")).xml), "-blockdev").find((b) => b.driver === "iscsi");
    expect(iscsi).toMatchObject({ portal: `127.0.0.1:${port}`, target: iqn, lun: 1, transport: "tcp" });
  });

  describeWith("qemuDaemon", "in a running TCG domain", () => {
    it("the guest's disk is the LUN: its size, and the data written on the target's side", () => {
      const name = `vk-iscsi-${process.pid}`;
      virsh(uri, [`create ${tempXml(renderVm(iscsiVm(name)).xml)}`]);
      try {
        expect(virsh(uri, [`domblkinfo ${name} vda`])).toMatch(new RegExp(`Capacity:\\s+${16 * 1024 ** 2}\\b`));
        const log = `/var/log/libvirt/qemu/${name}.log`;
        const before = readFileSync(log, "utf8").length;
        virsh(uri, [`qemu-monitor-command ${name} --hmp 'qemu-io libvirt-1-format "read -P 0xe1 0 1M"'`]);
        const read = readFileSync(log, "utf8").slice(before);
        expect(read).toMatch(/read 1048576\/1048576 bytes at offset 0/);
        expect(read).not.toMatch(/Pattern verification failed/);
      } finally {
        virsh(uri, [`destroy ${name}`]);
      }
    });

    it("an iSCSI pool of the target is defined as written (starting one needs the kernel's initiator, which this machine lacks)", () => {
      const spec = parseOrThrow(PoolSpec, { type: "iscsi", name: `vk-iscsi-${process.pid}`, portal: { host: "127.0.0.1", port }, target: iqn }, "p");
      virsh(uri, [`pool-define ${tempXml(renderPoolXml(spec))}`]);
      try {
        const back = virsh(uri, [`pool-dumpxml ${spec.name}`]);
        expect(back).toContain(`<host name='127.0.0.1' port='${port}'/>`);
        expect(back).toContain(`<device path='${iqn}'/>`);
      } finally {
        virsh(uri, [`pool-undefine ${spec.name}`]);
      }
    });
  });
});
