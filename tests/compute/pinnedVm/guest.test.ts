import * as pulumi from "@pulumi/pulumi";
import { captureChildren, isSecret, registration, secretInput, valueOf } from "../../support/mocks";
import { inputDigest } from "../../../sdk/src/render/changes";
import { resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn0rSzY5c0k8oX6bq2U3p2Gm3v5s7wq5Xv1j0dPz9cH ops@laptop";
const host = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });

describe("PinnedVm: a guest you can log in to", () => {
  it("has a serial console by default, on a pty, in the XML and the provider's arguments alike", async () => {
    const name = uniq("console");
    const vm = new virtkit.PinnedVm(name, { host: host(), vcpus: 1, memory: { size: "1GiB" } });
    const xml = await valueOf(vm.domainXml);
    expect(xml).toMatch(/<serial type="pty">\s*<target port="0"\/>\s*<\/serial>\s*<console type="pty">\s*<target type="serial" port="0"\/>/);
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    expect(d.inputs.devices.serials).toEqual([{ target: { port: 0 } }]);
    expect(d.inputs.devices.consoles).toEqual([{ target: { type: "serial", port: 0 } }]);
  });

  it("has none when asked", async () => {
    const name = uniq("quiet");
    const vm = new virtkit.PinnedVm(name, { host: host(), vcpus: 1, memory: { size: "1GiB" }, serialConsole: false });
    expect(await valueOf(vm.domainXml)).not.toMatch(/<serial|<console/);
    expect((await registration(resources, "libvirt:index/domain:Domain", name)).inputs.devices?.serials).toBeUndefined();
  });

  it("gets a cloud-init seed from the simple form: the provider's cloud-init disk, uploaded to a pool volume, on a SATA CD-ROM", async () => {
    const h = host();
    const root = new virtkit.Qcow2Volume(uniq("root"), { host: h, pool: "vms", size: "10GiB" });
    const name = uniq("web");
    const vm = new virtkit.PinnedVm(name, {
      host: h,
      vcpus: 1,
      memory: { size: "1GiB" },
      disks: [root, { source: { file: "/srv/scratch.raw" }, format: "raw", bus: "sata" }],
      cloudInit: { users: [{ name: "ops", sshAuthorizedKeys: [KEY] }], sshAuthorizedKeys: [KEY], hostname: "web-1" },
    });
    const seed = await registration(resources, "libvirt:index/cloudinitDisk:CloudinitDisk", `${name}-cloudinit`);
    expect(seed.inputs.name).toBe(`${name}-cloudinit.iso`);
    expect(seed.inputs.userData.startsWith("#cloud-config\n")).toBe(true);
    expect(JSON.parse(seed.inputs.userData.slice("#cloud-config\n".length))).toEqual({
      hostname: "web-1",
      manage_etc_hosts: true,
      users: ["default", { name: "ops", ssh_authorized_keys: [KEY], shell: "/bin/bash", lock_passwd: true, sudo: "ALL=(ALL) NOPASSWD:ALL" }],
      ssh_authorized_keys: [KEY],
    });
    expect(JSON.parse(seed.inputs.metaData)).toEqual({ "instance-id": name, "local-hostname": "web-1" });
    const iso = await registration(resources, "libvirt:index/volume:Volume", `${name}-cloudinit`);
    // in the pool of the VM's first volume; its content is the ISO the provider built
    expect(iso.inputs).toMatchObject({ name: `${name}-cloudinit.iso`, pool: "vms", target: { format: { type: "iso" } }, create: { content: {} } });
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    // after every disk: the sata disk is sda, the CD-ROM sdb
    expect(d.inputs.devices.disks[2]).toEqual({ device: "cdrom", source: { volume: { pool: "vms", volume: `${name}-cloudinit.iso` } }, driver: { name: "qemu", type: "raw" }, target: { dev: "sdb", bus: "sata" }, readOnly: true });
    expect(await valueOf(vm.domainXml)).toMatch(new RegExp(`<disk type="volume" device="cdrom">\\s*<driver name="qemu" type="raw"/>\\s*<source pool="vms" volume="${name}-cloudinit.iso"/>\\s*<target dev="sdb" bus="sata"/>\\s*<readonly/>`));
  });

  it("keeps user data, meta data and network config as given, a secret staying a secret", async () => {
    const name = uniq("secretive");
    const seed = captureChildren("libvirt:index/cloudinitDisk:CloudinitDisk");
    const userData = "#cloud-config\nchpasswd: { expire: false }\npassword: hunter2\n";
    new virtkit.PinnedVm(
      name,
      { host: host(), vcpus: 1, memory: { size: "1GiB" }, cloudInit: { userData: pulumi.secret(userData), metaData: "instance-id: x\n", networkConfig: pulumi.output("version: 2\n") } },
      { transformations: [seed.transformation] },
    );
    const registered = await registration(resources, "libvirt:index/cloudinitDisk:CloudinitDisk", `${name}-cloudinit`);
    expect(registered.inputs.userData).toEqual(secretInput(userData));
    expect(registered.inputs.metaData).toBe("instance-id: x\n");
    expect(registered.inputs.networkConfig).toBe("version: 2\n");
    expect(await isSecret(seed.captured[0].props.userData as pulumi.Output<string>)).toBe(true);
  });

  it("keeps the simple form secret when a key comes as a secret", async () => {
    const name = uniq("keyed");
    new virtkit.PinnedVm(name, { host: host(), vcpus: 1, memory: { size: "1GiB" }, cloudInit: { sshAuthorizedKeys: [pulumi.secret(KEY)] } });
    const registered = await registration(resources, "libvirt:index/cloudinitDisk:CloudinitDisk", `${name}-cloudinit`);
    expect(registered.inputs.userData.value).toContain(KEY);
    expect(registered.inputs.userData).toEqual(secretInput(registered.inputs.userData.value));
  });

  it("refuses bad cloud-init input before registering, every problem at once", () => {
    const name = uniq("bad-init");
    expect(() =>
      new virtkit.PinnedVm(name, {
        host: host(),
        vcpus: 1,
        memory: { size: "1GiB" },
        cloudInit: { userData: "#cloud-config\n", users: [{ name: "Root!", sshAuthorizedKeys: ["not a key"] }], hostname: "bad_host", pool: "a/b" },
      }),
    ).toThrow(
      new RegExp(
        [
          `PinnedVm "${name}": 5 problems`,
          "cloudInit.userData: give userData or the simple form",
          "cloudInit.pool: .*not allowed in names",
          "cloudInit.hostname: expected a host name",
          "cloudInit.users\\[0\\].name: expected a user name",
          "cloudInit.users\\[0\\].sshAuthorizedKeys\\[0\\]: expected an OpenSSH public key line",
        ].join("[\\s\\S]*"),
      ),
    );
    expect(resources.some((r) => r.name.startsWith(name))).toBe(false);
  });

  it("refuses a seed volume name another component holds in the pool", () => {
    const h = host();
    const name = uniq("clash");
    new virtkit.Qcow2Volume(uniq("squatter"), { host: h, pool: "default", size: "1GiB", name: `${name}-cloudinit.iso` });
    expect(() => new virtkit.PinnedVm(name, { host: h, vcpus: 1, memory: { size: "1GiB" }, cloudInit: { sshAuthorizedKeys: [KEY] } })).toThrow(
      new RegExp(`cloudInit: volume "default/${name}-cloudinit.iso" on host .* is already declared by Qcow2Volume`),
    );
  });
});

describe("PinnedVm: graphics", () => {
  it("a VNC display on localhost by default; the password reaches the provider as a secret and never the XML", async () => {
    const name = uniq("vnc");
    const domain = captureChildren("libvirt:index/domain:Domain");
    const vm = new virtkit.PinnedVm(name, { host: host(), vcpus: 1, memory: { size: "1GiB" }, graphics: { type: "vnc", password: "s3cret" } }, { transformations: [domain.transformation] });
    const xml = await valueOf(vm.domainXml);
    expect(xml).toMatch(/<graphics type="vnc" autoport="yes" listen="127.0.0.1">\s*<listen type="address" address="127.0.0.1"\/>/);
    expect(xml).not.toContain("s3cret");
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    // the mock engine takes no Output values, so the SDK marks the whole top-level property secret
    expect(d.inputs.devices).toEqual(secretInput(expect.objectContaining({ graphics: [{ vnc: { autoPort: true, listen: "127.0.0.1", listeners: [{ address: { address: "127.0.0.1" } }], passwd: "s3cret" } }] })));
    const graphics = (domain.captured[0].props.devices as { graphics: { vnc: { passwd: pulumi.Output<string> } }[] }).graphics;
    expect(await isSecret(graphics[0].vnc.passwd)).toBe(true);
  });

  it("the digest the placement lock keeps is of the domain's own inputs, and a password stays out of it", async () => {
    const digestOf = (name: string) => virtkit.plannedVms().find((v) => v.component === `PinnedVm "${name}"`)!.digest;
    const plain = uniq("vnc-plain");
    const locked = uniq("vnc-locked");
    const args = { vcpus: 1, memory: { size: "1GiB" }, domainName: "desk" };
    new virtkit.PinnedVm(plain, { ...args, host: host(), graphics: { type: "vnc" } });
    new virtkit.PinnedVm(locked, { ...args, host: host(), graphics: { type: "vnc", password: "s3cret" } });
    const d = await registration(resources, "libvirt:index/domain:Domain", plain);
    expect(digestOf(plain)).toEqual(inputDigest(d.inputs));
    expect(digestOf(locked)).toEqual(digestOf(plain));
  });

  it("SPICE on the address given, and a warning when it listens beyond the host without a password", async () => {
    const name = uniq("spice");
    new virtkit.PinnedVm(name, { host: host(), vcpus: 1, memory: { size: "1GiB" }, graphics: { type: "spice", listen: "0.0.0.0" } });
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    expect(d.inputs.devices.graphics).toEqual([{ spice: { autoPort: true, listen: "0.0.0.0", listeners: [{ address: { address: "0.0.0.0" } }] } }]);
    const planned = virtkit.plannedVms().find((v) => v.component === `PinnedVm "${name}"`)!;
    expect(planned.warnings).toEqual([expect.stringMatching(/^graphics: a spice display on 0.0.0.0 without a password/)]);
  });

  it("refuses a bad type, a bad address and a VNC password VNC would cut, naming each field", () => {
    const name = uniq("bad-vnc");
    expect(() => new virtkit.PinnedVm(name, { host: host(), vcpus: 1, memory: { size: "1GiB" }, graphics: { type: "rdp" as "vnc", listen: "everywhere", password: "" } })).toThrow(
      new RegExp(`PinnedVm "${name}": 3 problems\n  - graphics.type: expected graphics type "vnc" or "spice"\n  - graphics.listen: expected an IP address[^\n]*\n  - graphics.password: the password is empty$`),
    );
    expect(() => new virtkit.PinnedVm(uniq("long"), { host: host(), vcpus: 1, memory: { size: "1GiB" }, graphics: { type: "vnc", password: "123456789" } })).toThrow(
      /graphics.password: a VNC password is at most 8 characters/,
    );
  });
});
