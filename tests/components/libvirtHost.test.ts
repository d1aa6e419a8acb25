import { captureChildren, registration, settle, valueOf } from "../support/mocks";
import { capabilities, resources, uniq, useMockedVirtkit, virtkit } from "./harness";

useMockedVirtkit();

describe("LibvirtHost", () => {
  it.each([
    ["a URI without a scheme", { uri: "hv1" }, /uri: expected a libvirt URI/],
    ["reserved CPUs without capabilities", { uri: "qemu:///system", reservedCpus: "0-1" }, /capabilities: reservedCpus and devices need the host's capabilities XML/],
    ["a reserved CPU the host lacks", { uri: "qemu:///system", capabilities, reservedCpus: "0-1,99" }, /reservedCpus: host .* has no CPU 99/],
    ["capabilities that are not capabilities", { uri: "qemu:///system", capabilities: "<domain/>" }, /capabilities: /],
    ["a nodedev document that is not one, by its index", { uri: "qemu:///system", capabilities, devices: ["<device><name>pci_0000_00_00_0</name></device>", "<capabilities/>"] }, /devices\[1\]: nodedev document 1/],
    ["bad capabilities beside good devices, as the capabilities' problem", { uri: "qemu:///system", capabilities: "<capabilities/>", devices: ["<device><name>x</name></device>"] }, /capabilities: capabilities document has no <host> element/],
    ["empty capabilities, which are not the same as none", { uri: "qemu:///system", capabilities: "" }, /capabilities: .*empty/],
    ["reserved CPUs that are not a cpuset", { uri: "qemu:///system", capabilities, reservedCpus: "x" }, /reservedCpus: "x" in cpuset "x" is not a CPU id/],
  ])("refuses %s before registering", (_label, args, message) => {
    const name = uniq("bad-host");
    expect(() => new virtkit.LibvirtHost(name, args as never)).toThrow(message);
    expect(resources.some((r) => r.name === name)).toBe(false);
  });

  it("accepts ssh URIs and gives each host its own provider", async () => {
    const a = new virtkit.LibvirtHost(uniq("ssh"), { uri: "qemu+ssh://root@hv1/system?keyfile=/root/.ssh/id" });
    const b = new virtkit.LibvirtHost(uniq("ssh"), { uri: "qemu+ssh://root@hv2/system" });
    expect(a.provider).not.toBe(b.provider);
    const providers = await Promise.all([a, b].map((h) => registration(resources, "pulumi:providers:libvirt", `${h.hostName}-provider`)));
    expect(providers.map((p) => p.inputs.uri)).toEqual(["qemu+ssh://root@hv1/system?keyfile=/root/.ssh/id", "qemu+ssh://root@hv2/system"]);
  });

  it("registers its provider only once a resource needs it: encrypted volumes alone need none", async () => {
    const host = new virtkit.LibvirtHost(uniq("luks-only"), { uri: "qemu:///system" });
    const volume = new virtkit.Qcow2Volume(uniq("enc"), { host, pool: "default", size: "1GiB", encryption: { passphrase: "secret" } });
    await valueOf(volume.path);
    await settle();
    expect(resources.some((r) => r.name === `${host.hostName}-provider`)).toBe(false);
    const plain = new virtkit.Qcow2Volume(uniq("plain"), { host, pool: "default", size: "1GiB" });
    await valueOf(plain.path);
    expect((await registration(resources, "pulumi:providers:libvirt", `${host.hostName}-provider`)).inputs.uri).toBe("qemu:///system");
  });
});

describe("LibvirtHost and Qcow2Volume honour the program's resource options", () => {
  it("use the libvirt provider the program gives in providers, and register none of their own", async () => {
    const mine = new (await import("@pulumi/libvirt")).Provider(uniq("mine"), { uri: "qemu+ssh://root@hv9/system" });
    const host = new virtkit.LibvirtHost(uniq("given"), { uri: "qemu+ssh://root@hv9/system" }, { providers: { libvirt: mine } });
    const volume = captureChildren("libvirt:index/volume:Volume");
    new virtkit.Qcow2Volume(uniq("v"), { host, pool: "default", size: "1GiB" }, { transformations: [volume.transformation] });
    await settle();
    expect(host.provider).toBe(mine);
    expect(volume.captured[0].opts.provider).toBe(mine);
    expect(resources.some((r) => r.name === `${host.hostName}-provider`)).toBe(false);
  });

  it("take the program's protect as given, and protect data volumes by default", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const volume = captureChildren("libvirt:index/volume:Volume");
    new virtkit.Qcow2Volume(uniq("default"), { host, pool: "default", size: "1GiB" }, { transformations: [volume.transformation] });
    new virtkit.Qcow2Volume(uniq("unprotected"), { host, pool: "default", size: "1GiB" }, { protect: false, transformations: [volume.transformation] });
    new virtkit.Qcow2Volume(uniq("protected"), { host, pool: "default", size: "1GiB", allowReplace: true }, { protect: true, transformations: [volume.transformation] });
    expect(volume.captured.map((c) => c.opts.protect)).toEqual([true, false, true]);
  });

  it("apply the program's transforms to the resources under a component", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const name = uniq("described");
    new virtkit.PinnedVm(name, { host, vcpus: 1, memory: { size: "1GiB" } }, {
      transformations: [(a) => (a.type === "libvirt:index/domain:Domain" ? { props: { ...a.props, description: "from the program" }, opts: a.opts } : undefined)],
    });
    expect((await registration(resources, "libvirt:index/domain:Domain", name)).inputs.description).toBe("from the program");
  });
});
