import type { Output } from "@pulumi/pulumi";
import { captureChildren, isSecret, registration, secretInput, settle, valueOf } from "../support/mocks";
import { capabilities, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

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

  it("parses one set of facts once per run for a fleet of identical hosts, each with its own ledger", () => {
    const [a, b] = [1, 2].map(() => new virtkit.LibvirtHost(uniq("fleet"), { uri: `qemu+ssh://root@${uniq("fleet")}/system`, capabilities, reservedCpus: "0" }));
    const other = new virtkit.LibvirtHost(uniq("fleet"), { uri: `qemu+ssh://root@${uniq("fleet")}/system`, capabilities: capabilities.replace("<host>", "<host> ") });
    expect(a.model).toBe(b.model);
    expect(other.model).not.toBe(a.model);
    expect(other.model).toEqual(a.model);
    expect(a.ledger).not.toBe(b.ledger);
    // a claim on one host is not a claim on its twin
    new virtkit.PinnedVm(uniq("twin"), { host: a, vcpus: 1, memory: { size: "64MiB" }, pinning: { vcpus: ["1"] } });
    expect(() => new virtkit.PinnedVm(uniq("twin"), { host: b, vcpus: 1, memory: { size: "64MiB" }, pinning: { vcpus: ["1"] } })).not.toThrow();
    expect(() => new virtkit.PinnedVm(uniq("twin"), { host: a, vcpus: 1, memory: { size: "64MiB" }, pinning: { vcpus: ["1"] } })).toThrow(/already pinned/);
  });

  it("registers its provider only once a resource needs it: encrypted volumes alone need none", async () => {
    const host = new virtkit.LibvirtHost(uniq("luks-only"), { uri: uniqueUri() });
    const volume = new virtkit.Qcow2Volume(uniq("enc"), { host, pool: "default", size: "1GiB", encryption: { passphrase: "secret" } });
    await valueOf(volume.path);
    await settle();
    expect(resources.some((r) => r.name === `${host.hostName}-provider`)).toBe(false);
    const plain = new virtkit.Qcow2Volume(uniq("plain"), { host, pool: "default", size: "1GiB" });
    await valueOf(plain.path);
    expect((await registration(resources, "pulumi:providers:libvirt", `${host.hostName}-provider`)).inputs.uri).toBe(host.uri);
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
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const volume = captureChildren("libvirt:index/volume:Volume");
    new virtkit.Qcow2Volume(uniq("default"), { host, pool: "default", size: "1GiB" }, { transformations: [volume.transformation] });
    new virtkit.Qcow2Volume(uniq("unprotected"), { host, pool: "default", size: "1GiB" }, { protect: false, transformations: [volume.transformation] });
    new virtkit.Qcow2Volume(uniq("protected"), { host, pool: "default", size: "1GiB", allowReplace: true }, { protect: true, transformations: [volume.transformation] });
    expect(volume.captured.map((c) => c.opts.protect)).toEqual([true, false, true]);
  });

  it("apply the program's transforms to the resources under a component", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("described");
    new virtkit.PinnedVm(name, { host, vcpus: 1, memory: { size: "1GiB" } }, {
      transformations: [(a) => (a.type === "libvirt:index/domain:Domain" ? { props: { ...a.props, description: "from the program" }, opts: a.opts } : undefined)],
    });
    expect((await registration(resources, "libvirt:index/domain:Domain", name)).inputs.description).toBe("from the program");
  });
});

describe("LibvirtHosts of one URI are one hypervisor", () => {
  it("share one ledger: a second handle cannot pin the CPUs the first one's VM holds", () => {
    const uri = uniqueUri();
    const a = new virtkit.LibvirtHost(uniq("a"), { uri, capabilities });
    const b = new virtkit.LibvirtHost(uniq("b"), { uri, capabilities });
    expect(b.ledger).toBe(a.ledger);
    new virtkit.PinnedVm(uniq("on-a"), { host: a, vcpus: 2, pinning: { vcpus: ["4", "5"] }, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm(uniq("on-b"), { host: b, vcpus: 1, pinning: { vcpus: ["5"] }, memory: { size: "1GiB" } })).toThrow(
      /pinning.vcpus\[0\]: .*host CPU 5 .*PinnedVm "on-a\d+"/,
    );
  });

  it("share one set of libvirt names: one domain name twice is refused, naming the first VM", () => {
    const uri = uniqueUri();
    const a = new virtkit.LibvirtHost(uniq("a"), { uri });
    const b = new virtkit.LibvirtHost(uniq("b"), { uri });
    const first = uniq("first");
    new virtkit.PinnedVm(first, { host: a, domainName: "db", vcpus: 1, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm(uniq("second"), { host: b, domainName: "db", vcpus: 1, memory: { size: "1GiB" } })).toThrow(
      new RegExp(`domainName: domain "db" on host .* is already declared by PinnedVm "${first}"`),
    );
  });

  it("take each other's parts: a volume declared on one handle serves a VM on the other", () => {
    const uri = uniqueUri();
    const a = new virtkit.LibvirtHost(uniq("a"), { uri });
    const b = new virtkit.LibvirtHost(uniq("b"), { uri });
    const vol = new virtkit.Qcow2Volume(uniq("vol"), { host: a, pool: "default", size: "1GiB" });
    expect(() => new virtkit.PinnedVm(uniq("vm"), { host: b, vcpus: 1, memory: { size: "1GiB" }, disks: [vol] })).not.toThrow();
  });

  it("must describe the hypervisor alike: differing facts are refused, naming both hosts", () => {
    const uri = uniqueUri();
    const a = uniq("a");
    new virtkit.LibvirtHost(a, { uri, capabilities, reservedCpus: "0-1" });
    const b = uniq("b");
    for (const args of [{ uri }, { uri, capabilities }, { uri, capabilities, reservedCpus: "0-3" }]) {
      expect(() => new virtkit.LibvirtHost(b, args)).toThrow(new RegExp(`LibvirtHost "${b}": uri: .* is also the URI of LibvirtHost "${a}", whose capabilities, devices or reservedCpus differ`));
    }
    expect(resources.some((r) => r.name === b)).toBe(false);
  });

  it("other URIs are other hypervisors, with ledgers of their own", () => {
    const a = new virtkit.LibvirtHost(uniq("a"), { uri: uniqueUri(), capabilities });
    const b = new virtkit.LibvirtHost(uniq("b"), { uri: uniqueUri(), capabilities });
    expect(b.ledger).not.toBe(a.ledger);
    new virtkit.PinnedVm(uniq("x"), { host: a, vcpus: 1, pinning: { vcpus: ["6"] }, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm(uniq("y"), { host: b, vcpus: 1, pinning: { vcpus: ["6"] }, memory: { size: "1GiB" } })).not.toThrow();
  });
});

describe("a LibvirtHost URI known only at deployment (an Output)", () => {
  /** What an Output settles to; the engine would report its failure as the program's error. */
  const settled = (o: Output<unknown>) => {
    const inner = o as unknown as { promise(): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources(): Promise<unknown> };
    for (const p of [inner.isKnown, inner.isSecret, inner.allResources()]) p.catch(() => undefined);
    return inner.promise().then((v) => ({ value: v }), (e: Error) => ({ error: e }));
  };

  it("reaches the provider as it is, a secret staying a secret", async () => {
    const { secret } = await import("@pulumi/pulumi");
    const uri = uniqueUri();
    const provider = captureChildren("pulumi:providers:libvirt");
    const host = new virtkit.LibvirtHost(uniq("late"), { uri: secret(uri) }, { transformations: [provider.transformation] });
    new virtkit.Qcow2Volume(uniq("v"), { host, pool: "default", size: "1GiB" });
    expect((await registration(resources, "pulumi:providers:libvirt", `${host.hostName}-provider`)).inputs.uri).toEqual(secretInput(uri));
    expect(await isSecret(provider.captured[0].props.uri as Output<string>)).toBe(true);
  });

  it("is checked when it resolves: a bad URI, or one another host has, fails naming the host and the field", async () => {
    const { output } = await import("@pulumi/pulumi");
    const taken = uniqueUri();
    const first = uniq("plain");
    new virtkit.LibvirtHost(first, { uri: taken });
    const bad = uniq("bad");
    const dup = uniq("dup");
    const results = await Promise.all([
      settled(new virtkit.LibvirtHost(bad, { uri: output("hv1") }).uriOutput),
      settled(new virtkit.LibvirtHost(dup, { uri: output(taken) }).uriOutput),
    ]);
    expect(results[0]).toMatchObject({ error: { message: expect.stringMatching(new RegExp(`^LibvirtHost "${bad}": uri: expected a libvirt URI`)) } });
    expect(results[1]).toMatchObject({ error: { message: expect.stringMatching(new RegExp(`^LibvirtHost "${dup}": uri: resolved to the URI of LibvirtHost "${first}"; a URI known only at deployment cannot share`)) } });
  });

  it("keys a LUKS secret's UUID by the host's name, since the URI is not known while the program runs", () => {
    const host = new virtkit.LibvirtHost(uniq("late"), { uri: Promise.resolve(uniqueUri()) });
    const volume = new virtkit.Qcow2Volume(uniq("enc"), { host, pool: "default", size: "1GiB", encryption: { passphrase: "p" } });
    expect(volume.secretUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
  });
});
