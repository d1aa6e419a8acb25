import * as pulumi from "@pulumi/pulumi";
import { captureChildren, isSecret, registration, valueOf } from "../../support/mocks";
import { schemaProblems } from "../../support/providerSchema";
import { resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

const CEPH_KEY = "AQBzdWJ0ZXN0a2V5Zm9ydmlydGtpdHRlc3RzPT0AAA==";

describe("network disks and their StorageSecret", () => {
  it("an RBD disk names its Ceph secret by usage; the key stays a Pulumi secret and reaches no domain", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const secrets = captureChildren("pulumi-nodejs:dynamic/virtkit:LibvirtSecret");
    const keyName = uniq("ceph");
    const key = new virtkit.StorageSecret(keyName, { host, type: "ceph", usage: "client.libvirt secret", value: pulumi.secret(CEPH_KEY) }, { transformations: [secrets.transformation] });
    const vmName = uniq("db");
    const domains = captureChildren("libvirt:index/domain:Domain");
    const vm = new virtkit.PinnedVm(
      vmName,
      {
        host,
        vcpus: 1,
        memory: { size: "1GiB" },
        disks: [
          { source: { rbd: { pool: "rbd", image: "db-data", monitors: [{ host: "mon1.example" }, { host: "192.0.2.12", port: 3300 }] } }, auth: { username: "libvirt", secret: key } },
          { source: { iscsi: { portal: { host: "san.example" }, target: "iqn.2003-01.org.example:san", lun: 2 } } },
        ],
      },
      { transformations: [domains.transformation] },
    );
    await registration(resources, "pulumi-nodejs:dynamic/virtkit:LibvirtSecret", keyName);
    expect(await isSecret(secrets.captured[0].props.value as pulumi.Output<string>)).toBe(true);
    expect((secrets.captured[0].opts as pulumi.CustomResourceOptions).additionalSecretOutputs).toEqual(["value"]);
    expect(secrets.captured[0].props).toMatchObject({ type: "ceph", usage: "client.libvirt secret", uuid: key.uuid });

    const dom = await registration(resources, "libvirt:index/domain:Domain", vmName);
    expect(dom.inputs.devices.disks.map((d: any) => d.source)).toEqual([
      {
        network: {
          protocol: "rbd",
          name: "rbd/db-data",
          hosts: [{ name: "mon1.example", port: "6789" }, { name: "192.0.2.12", port: "3300" }],
          auth: { username: "libvirt", secret: { type: "ceph", usage: "client.libvirt secret" } },
        },
      },
      { network: { protocol: "iscsi", name: "iqn.2003-01.org.example:san/2", hosts: [{ name: "san.example", port: "3260" }] } },
    ]);
    expect(dom.inputs.devices.disks.map((d: any) => d.driver.type)).toEqual(["raw", "raw"]);
    expect(schemaProblems("libvirt_domain", dom.inputs)).toEqual([]);
    // the domain waits for the secret
    expect(domains.byName(vmName)?.opts.dependsOn).toEqual(expect.arrayContaining([key.secret]));
    const xml = await valueOf(vm.domainXml);
    expect(xml).toMatch(/<source protocol="rbd" name="rbd\/db-data">\s*<host name="mon1.example" port="6789"\/>\s*<host name="192.0.2.12" port="3300"\/>\s*<auth username="libvirt">\s*<secret type="ceph" usage="client.libvirt secret"\/>/);
    expect(JSON.stringify(resources.filter((r) => r.type !== "pulumi-nodejs:dynamic/virtkit:LibvirtSecret").map((r) => r.inputs))).not.toContain(CEPH_KEY);
    expect(xml).not.toContain(CEPH_KEY);
  });

  it.each([
    ["credentials on a host file", { source: { file: "/srv/a.qcow2" }, auth: { username: "u", secret: { type: "ceph", usage: "x" } } }, /disks\[0\]\.auth: credentials belong to a network disk/],
    ["a CHAP secret on an RBD disk", { source: { rbd: { pool: "rbd", image: "i", monitors: [{ host: "mon" }] } }, auth: { username: "u", secret: { type: "iscsi", usage: "x" } } }, /disks\[0\]\.auth\.secret: an rbd disk's key is a "ceph" secret, not "iscsi"/],
    ["an RBD disk without monitors", { source: { rbd: { pool: "rbd", image: "i", monitors: [] } } }, /an RBD disk needs at least one Ceph monitor/],
    ["an iSCSI disk with a bad IQN", { source: { iscsi: { portal: { host: "san" }, target: "disk1" } } }, /expected an iSCSI name/],
  ])("refuses %s", (_label, disk, message) => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.PinnedVm(uniq("bad"), { host, vcpus: 1, memory: { size: "1GiB" }, disks: [disk as never] })).toThrow(message);
  });

  it("refuses a Ceph key that is not base64, and a missing key", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.StorageSecret("k", { host, type: "ceph", usage: "client.x secret", value: "not a key!" })).toThrow(/StorageSecret "k": value: a Ceph key is base64/);
    expect(() => new virtkit.StorageSecret("k2", { host, type: "iscsi", usage: "san", value: "" })).toThrow(/value: a storage secret needs its key/);
  });
});
