import * as pulumi from "@pulumi/pulumi";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { installMocks, isSecret, registration, settle, valueOf, type Registered } from "../support/mocks";
import { stableUuid } from "../../sdk/src/storage/Qcow2Volume";
import { schemaProblems } from "../support/providerSchema";

// Loaded after the mocks are installed.
let virtkit: typeof import("../../sdk/src/index");
let resources: Registered[];

const fixtures = join(__dirname, "../fixtures/hosts/two-socket");
const capabilities = readFileSync(join(fixtures, "capabilities.xml"), "utf8");
const devices = readdirSync(join(fixtures, "nodedev")).map((f) => readFileSync(join(fixtures, "nodedev", f), "utf8"));

beforeAll(async () => {
  ({ resources } = await installMocks());
  virtkit = await import("../../sdk/src/index");
});

/** Pulumi's wire signature of a secret value. */
const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"];

/** Paths where `needle` appears outside a secret envelope. */
function plainOccurrences(value: unknown, needle: string, path = "$"): string[] {
  if (typeof value === "string") return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, needle, `${path}[${i}]`));
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SECRET_SIG[0]] === SECRET_SIG[1]) return [];
    return Object.entries(o).flatMap(([k, v]) => plainOccurrences(v, needle, `${path}.${k}`));
  }
  return [];
}

const domains = () => resources.filter((r) => r.type === "libvirt:index/domain:Domain");
let seq = 0;
const uniq = (base: string) => `${base}${++seq}`;

describe("PinnedVm on a host without capabilities", () => {
  it("registers one Domain with the explicit pins, hugepages, NUMA binding and topology", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const vmName = uniq("db");
    const vm = new virtkit.PinnedVm(vmName, {
      host,
      vcpus: 4,
      cpu: { mode: "host-passthrough", topology: { sockets: 1, cores: 2, threads: 2 } },
      pinning: { vcpus: ["4", "36", "5", "37"], emulator: "0-1" },
      memory: new virtkit.HugepageMemory(uniq("mem"), { size: "8GiB", pageSize: "1GiB", hostNodes: "0", locked: true }),
    });
    await valueOf(vm.domainXml);
    const d = await registration(resources, "libvirt:index/domain:Domain", vmName);
    expect(d.inputs.cpuTune.vcpuPins).toEqual([
      { vcpu: 0, cpuSet: "4" },
      { vcpu: 1, cpuSet: "36" },
      { vcpu: 2, cpuSet: "5" },
      { vcpu: 3, cpuSet: "37" },
    ]);
    expect(d.inputs.cpuTune.emulatorPin).toEqual({ cpuSet: "0-1" });
    expect(d.inputs.memoryBacking).toEqual({ memoryHugePages: { hugepages: [{ size: 1048576, unit: "KiB" }] }, memoryLocked: true });
    expect(d.inputs.numaTune).toEqual({ memory: { mode: "strict", nodeset: "0" } });
    expect(d.inputs.cpu.topology).toEqual({ sockets: 1, dies: 1, cores: 2, threads: 2 });
    expect(d.inputs.memory).toBe(8 * 1024 * 1024);
    expect(d.inputs.os.typeMachine).toBe("q35");
  });

  it("refuses pinning \"auto\" without the host's capabilities, before registering anything", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const before = domains().length;
    expect(() => new virtkit.PinnedVm("auto-x", { host, vcpus: 2, pinning: "auto", memory: { size: "1GiB" } })).toThrow(/pinning: "auto" needs the host's capabilities/);
    await settle();
    expect(domains().length).toBe(before);
    expect(resources.some((r) => r.name === "auto-x" && r.type === "libvirt:index/domain:Domain")).toBe(false);
  });

  it("throws a VirtkitValidationError for an invalid topology and registers no Domain", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    let error: unknown;
    try {
      new virtkit.PinnedVm("bad", { host, vcpus: 4, cpu: { topology: { sockets: 1, cores: 3, threads: 1 } }, memory: { size: "4GiB" } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(virtkit.VirtkitValidationError);
    expect((error as Error).message).toBe('PinnedVm "bad": cpu.topology: sockets × dies × cores × threads = 1×1×3×1 = 3, but vcpus is 4');
    await settle();
    expect(resources.some((r) => r.name === "bad")).toBe(false);
  });

  it("refuses two VMs with the same domain name on one host", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    new virtkit.PinnedVm(uniq("a"), { host, vcpus: 1, memory: { size: "1GiB" }, domainName: "web" });
    expect(() => new virtkit.PinnedVm(uniq("b"), { host, vcpus: 1, memory: { size: "1GiB" }, domainName: "web" })).toThrow(/domain "web" on host .* is already declared by PinnedVm "a\d+"/);
  });

  it("marks the properties that replace the domain", async () => {
    const captured: pulumi.ResourceOptions[] = [];
    const capture: pulumi.ResourceTransformation = (args) => {
      if (args.type === "libvirt:index/domain:Domain") captured.push(args.opts);
      return undefined;
    };
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    new virtkit.PinnedVm(uniq("r"), { host, vcpus: 1, memory: { size: "1GiB" } }, { transformations: [capture] });
    expect(captured.at(-1)?.replaceOnChanges).toEqual(["name", "type", "os.typeMachine", "os.firmware"]);
  });
});

describe("PinnedVm on a known host", () => {
  const host2s = () => new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu+ssh://root@hv1/system", capabilities, devices, reservedCpus: "0-1,32-33" });

  it("places vCPUs, hugepages and the PF's VF on the PF's NUMA node", async () => {
    const host = host2s();
    const nic = new virtkit.SriovNic(uniq("fast"), { host, pf: "enp175s0f0", vlan: 100, mac: "52:54:00:00:10:01", trust: true });
    const vmName = uniq("nfv");
    const vm = new virtkit.PinnedVm(vmName, {
      host,
      vcpus: 4,
      cpu: { topology: { sockets: 1, cores: 2, threads: 2 } },
      memory: new virtkit.HugepageMemory(uniq("m"), { size: "4GiB", pageSize: "1GiB" }),
      nics: [nic],
    });
    const placement = await valueOf(vm.placement);
    expect(new Set(placement.vcpus.map((v) => v.node))).toEqual(new Set([1]));
    expect(placement.memory).toEqual([{ node: 1, size: "4GiB", pageSize: "1GiB", pages: 4 }]);
    expect(placement.devices).toHaveLength(1);
    expect(placement.devices[0].node).toBe(1);
    const d = await registration(resources, "libvirt:index/domain:Domain", vmName);
    const iface = d.inputs.devices.interfaces[0];
    expect(iface.source.hostdev.pci.address.bus).toBe(0xaf);
    expect(iface.trustGuestRxFilters).toBe("yes");
    expect(iface.mac).toEqual({ address: "52:54:00:00:10:01" });
    // provider v0.9.7 cannot set a VLAN tag (read-only): it stays in the domain XML only
    expect(iface.vlan).toBeUndefined();
    expect(await valueOf(vm.domainXml)).toMatch(/<vlan>\s*<tag id="100"\/>/);
    expect(d.inputs.numaTune.memory.nodeset).toBe("1");
  });

  it("claims hugepages only for the guest cells they back", async () => {
    const host = host2s();
    const vm = new virtkit.PinnedVm(uniq("part"), {
      host,
      vcpus: 2,
      memory: { size: "1280MiB", hugepages: { pageSize: "1GiB", guestNodes: "1" } },
      numa: { cells: [{ cpus: "0", memory: "256MiB" }, { cpus: "1", memory: "1GiB" }] },
    });
    const placement = await valueOf(vm.placement);
    expect(placement.memory.filter((m) => m.pageSize === "1GiB").reduce((n, m) => n + (m.pages ?? 0), 0)).toBe(1);
  });

  it("names both VMs when explicit pins collide", () => {
    const host = host2s();
    new virtkit.PinnedVm("cache", { host, vcpus: 2, pinning: { vcpus: ["17", "18"] }, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm("db", { host, vcpus: 2, pinning: { vcpus: ["16", "17"] }, memory: { size: "1GiB" } })).toThrow(/pinning.vcpus\[1\]: .*17.*PinnedVm "cache"/);
  });

  it("refuses a PCI device the host does not have", () => {
    const host = host2s();
    expect(() => new virtkit.PciPassthrough(uniq("gpu"), { host, address: "0000:01:00.0" })).toThrow(/address: host .* has no PCI device 0000:01:00.0/);
  });

  it("refuses one SriovNic in two VMs, naming both", () => {
    const host = host2s();
    const nic = new virtkit.SriovNic(uniq("n"), { host, vf: { address: "0000:3b:02.3" } });
    new virtkit.PinnedVm("first", { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] });
    expect(() => new virtkit.PinnedVm("second", { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] })).toThrow(/SriovNic "n\d+" is already attached to PinnedVm "first"/);
  });
});

describe("Qcow2Volume", () => {
  it("creates a base from a URL and a protected copy-on-write overlay on it", async () => {
    const captured: Record<string, pulumi.ResourceOptions> = {};
    const capture: pulumi.ResourceTransformation = (args) => {
      if (args.type === "libvirt:index/volume:Volume") captured[args.name] = args.opts;
      return undefined;
    };
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const name = uniq("root");
    const vol = new virtkit.Qcow2Volume(name, { host, pool: "default", size: "40GiB", baseImage: { url: "https://images.example/debian-12.qcow2" } }, { transformations: [capture] });
    const baseName = await valueOf(vol.base!.name);
    expect(baseName).toMatch(/^base-debian-12-[0-9a-f]{8}\.qcow2$/);
    expect(await valueOf(vol.volumeXml)).toContain(`<path>/var/lib/libvirt/images/${baseName}</path>`);
    await registration(resources, "libvirt:index/volume:Volume", name);
    const volumes = resources.filter((r) => r.type === "libvirt:index/volume:Volume");
    const base = volumes.find((r) => r.inputs.name === baseName)!;
    const overlay = volumes.find((r) => r.name === name)!;
    expect(base.inputs.create).toEqual({ content: { url: "https://images.example/debian-12.qcow2" } });
    expect(overlay.inputs).toMatchObject({ name: `${name}.qcow2`, pool: "default", capacity: 40 * 1024 ** 3, target: { format: { type: "qcow2" } } });
    expect(overlay.inputs.backingStore).toEqual({ path: `/var/lib/libvirt/images/${baseName}`, format: { type: "qcow2" } });
    expect(captured[name].protect).toBe(true);
    expect(captured[name].replaceOnChanges).toContain("capacity");
  });

  it("shares one base image between the overlays of one URL in one pool of a host", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const url = "https://images.example/debian-12.qcow2";
    const a = new virtkit.Qcow2Volume(uniq("a"), { host, pool: "default", size: "10GiB", baseImage: { url } });
    const b = new virtkit.Qcow2Volume(uniq("b"), { host, pool: "default", size: "20GiB", baseImage: { url } });
    const other = new virtkit.Qcow2Volume(uniq("c"), { host, pool: "fast", size: "10GiB", baseImage: { url } });
    expect(b.base).toBe(a.base);
    expect(other.base).not.toBe(a.base);
  });

  it("keeps the LUKS passphrase a secret from the program to the volume resource", async () => {
    const captured: { props: Record<string, unknown>; opts: pulumi.CustomResourceOptions }[] = [];
    const capture: pulumi.ResourceTransformation = (args) => {
      if (args.type.endsWith("LuksVolume") || args.type.includes("dynamic")) captured.push({ props: args.props, opts: args.opts });
      return undefined;
    };
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const volName = uniq("enc");
    const vol = new virtkit.Qcow2Volume(volName, { host, pool: "default", size: "10GiB", encryption: { passphrase: "hunter2" } }, { transformations: [capture] });
    // serialising a dynamic provider is asynchronous: let it finish inside the test
    await registration(resources, "pulumi-nodejs:dynamic/virtkit:LuksVolume", volName);
    expect(await isSecret(vol.passphrase!)).toBe(true);
    // the passphrase reaches virtkit's LUKS volume resource as a secret, and comes back out as one
    expect(captured).toHaveLength(1);
    expect(await isSecret(captured[0].props.passphrase as pulumi.Output<string>)).toBe(true);
    expect(captured[0].opts.additionalSecretOutputs).toContain("passphrase");
    // a stable secret UUID, derived from host, pool and volume name
    expect(vol.secretUuid).toBe(stableUuid(`qemu:///system|default|${volName}.qcow2`));
    expect(await valueOf(vol.volumeXml)).toContain(`<secret type="passphrase" uuid="${vol.secretUuid}"/>`);

    const vmName = uniq("e");
    const vm = new virtkit.PinnedVm(vmName, { host, vcpus: 1, memory: { size: "1GiB" }, disks: [vol] });
    // the provider names the secret by usage (its uuid is read-only in v0.9.7): the volume's path
    const domainInputs = (await registration(resources, "libvirt:index/domain:Domain", vmName)).inputs;
    expect(domainInputs.devices.disks[0].encryption).toEqual({ format: "luks", secrets: [{ type: "passphrase", usage: `/var/lib/libvirt/images/${volName}.qcow2` }] });
    expect(schemaProblems("libvirt_domain", domainInputs)).toEqual([]);
    expect(await valueOf(vm.domainXml)).toContain(`<secret type="passphrase" uuid="${vol.secretUuid}"/>`);
    // on the wire to the engine it only ever travels inside a secret envelope
    expect(plainOccurrences(resources.map((r) => r.inputs), "hunter2")).toEqual([]);
    expect(JSON.stringify(resources.map((r) => r.inputs))).toContain("hunter2"); // it did travel (inside the envelope)
    expect(await valueOf(vm.domainXml)).not.toContain("hunter2");
  });

  it("refuses encryption without a passphrase", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    expect(() => new virtkit.Qcow2Volume(uniq("nopass"), { host, pool: "default", size: "1GiB", encryption: { passphrase: "" } })).toThrow(/encryption.passphrase: a LUKS volume needs a passphrase/);
  });

  it("refuses a size that is not a size, naming the field", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    expect(() => new virtkit.Qcow2Volume("v", { host, pool: "default", size: "40G" })).toThrow(/Qcow2Volume "v": size: "40G" is not a size/);
  });
});

describe("Qcow2Volume replacement", () => {
  it("is allowed only when asked for: allowReplace drops the protection", async () => {
    const captured: Record<string, pulumi.ResourceOptions> = {};
    const capture: pulumi.ResourceTransformation = (args) => {
      if (args.type === "libvirt:index/volume:Volume") captured[args.name] = args.opts;
      return undefined;
    };
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const name = uniq("scratch");
    new virtkit.Qcow2Volume(name, { host, pool: "default", size: "1GiB", allowReplace: true }, { transformations: [capture] });
    await registration(resources, "libvirt:index/volume:Volume", name);
    expect(captured[name].protect).toBe(false);
  });

  it("refuses two volumes with one name in one pool", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    new virtkit.Qcow2Volume("data-a", { host, pool: "default", size: "1GiB", name: "data.qcow2" });
    expect(() => new virtkit.Qcow2Volume("data-b", { host, pool: "default", size: "1GiB", name: "data.qcow2" })).toThrow(
      /Qcow2Volume "data-b": name: volume "default\/data.qcow2" on host .* is already declared by Qcow2Volume "data-a"/,
    );
  });
});

describe("component names", () => {
  it("are unique per component type in a program, as the engine's URNs require", () => {
    const hv1 = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const hv2 = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    new virtkit.PinnedVm("twin", { host: hv1, vcpus: 1, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm("twin", { host: hv2, vcpus: 1, memory: { size: "1GiB" } })).toThrow(
      /PinnedVm "twin": another PinnedVm is already named "twin" in this program/,
    );
    // the same name on another component type is a different URN
    expect(() => new virtkit.HugepageMemory("twin", { size: "2GiB", pageSize: "1GiB" })).not.toThrow();
  });
});

describe("parts of a VM", () => {
  const known = () => new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system", capabilities, devices });

  it("must be on the VM's host", () => {
    const hv1 = known();
    const hv2 = known();
    const nic = new virtkit.SriovNic(uniq("nic"), { host: hv1, vf: { address: "0000:3b:02.4" } });
    const vol = new virtkit.Qcow2Volume(uniq("vol"), { host: hv1, pool: "default", size: "1GiB" });
    expect(() => new virtkit.PinnedVm(uniq("vm"), { host: hv2, vcpus: 1, memory: { size: "1GiB" }, nics: [nic], disks: [vol] })).toThrow(
      /disks\[0\]: Qcow2Volume "vol\d+" is on host hv\d+, not on hv\d+\n.*nics\[0\]: SriovNic "nic\d+" is on host/s,
    );
  });

  it("belong to one VM: a data volume cannot be attached twice", () => {
    const host = known();
    const vol = new virtkit.Qcow2Volume(uniq("vol"), { host, pool: "default", size: "1GiB" });
    new virtkit.PinnedVm("owner", { host, vcpus: 1, memory: { size: "1GiB" }, disks: [vol] });
    expect(() => new virtkit.PinnedVm("thief", { host, vcpus: 1, memory: { size: "1GiB" }, disks: [vol] })).toThrow(/disks\[0\]: Qcow2Volume "vol\d+" is already attached to PinnedVm "owner"/);
  });

  it("stay free, with the VM's name, when the VM fails", () => {
    const host = known();
    const mem = new virtkit.HugepageMemory(uniq("mem"), { size: "2GiB", pageSize: "1GiB" });
    const nic = new virtkit.SriovNic(uniq("nic"), { host, pf: "enp59s0f0" });
    // CPU 999 does not exist: this VM fails in placement, after its parts were checked
    expect(() => new virtkit.PinnedVm("retry", { host, vcpus: 2, pinning: { vcpus: ["2", "999"] }, memory: mem, nics: [nic] })).toThrow(/CPU 999/);
    const vm = new virtkit.PinnedVm("retry", { host, vcpus: 2, pinning: { vcpus: ["2", "3"] }, memory: mem, nics: [nic] });
    expect(vm).toBeDefined();
    // and the failed attempt held on to nothing
    expect(() => new virtkit.PinnedVm(uniq("other"), { host, vcpus: 1, pinning: { vcpus: ["4"] }, memory: { size: "1GiB" } })).not.toThrow();
  });

  it("refuses a VF that is not a VF of the PF it names", () => {
    const host = known();
    const nic = new virtkit.SriovNic(uniq("nic"), { host, pf: "enp175s0f0", vf: { address: "0000:3b:02.5" } });
    expect(() => new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] })).toThrow(/nics\[0\]: .*3b:02\.5.*enp175s0f0|enp175s0f0.*3b:02\.5/);
  });

  it("make the domain wait for the hostdev network its VF comes from", async () => {
    const captured: pulumi.ResourceOptions[] = [];
    const capture: pulumi.ResourceTransformation = (args) => {
      if (args.type === "libvirt:index/domain:Domain") captured.push(args.opts);
      return undefined;
    };
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const nic = new virtkit.SriovNic(uniq("pool"), { host, pf: "enp59s0f0" });
    new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] }, { transformations: [capture] });
    expect(nic.network).toBeDefined();
    expect(captured[0].dependsOn).toContain(nic.network);
  });

  it("a volume's default name is checked before anything registers", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const long = `v${"x".repeat(60)}`;
    expect(() => new virtkit.Qcow2Volume(long, { host, pool: "default", size: "1GiB" })).toThrow(/name: .* is 67 characters long; at most 64/);
    await settle();
    expect(resources.some((r) => r.name === long)).toBe(false);
  });
});

describe("explicit NUMA bindings and placement", () => {
  const known = () => new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system", capabilities, devices, reservedCpus: "0-1,32-33" });
  const twoCells = { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }] };

  it("auto placement honours a memnode: the cells go to the bound node and its pool pays", async () => {
    const host = known();
    const vm = new virtkit.PinnedVm(uniq("bound"), {
      host,
      vcpus: 4,
      memory: { size: "4GiB", hugepages: { pageSize: "1GiB" } },
      numa: { ...twoCells, memnodes: [{ cell: 0, hostNodes: "0" }] },
    });
    const placement = await valueOf(vm.placement);
    expect(placement.memory).toEqual([{ node: 0, size: "4GiB", pageSize: "1GiB", pages: 4 }]);
    expect(new Set(placement.vcpus.map((v) => v.node))).toEqual(new Set([0]));
    const xml = await valueOf(vm.domainXml);
    expect(xml).toContain('<memory mode="strict" nodeset="0"/>');
    expect(xml).toContain('<memnode cellid="0" mode="strict" nodeset="0"/>');
    // node 0 has 16 pages: 4 are gone, so 16 more cannot be had there
    expect(() => new virtkit.PinnedVm(uniq("greedy"), { host, vcpus: 2, memory: new virtkit.HugepageMemory(uniq("m"), { size: "16GiB", pageSize: "1GiB", hostNodes: "0" }) })).toThrow(
      /12 of 16 1GiB pages free, 16 needed/,
    );
  });

  it("explicit pins with HugepageMemory.hostNodes take the pages from the bound node", async () => {
    const host = known();
    const vm = new virtkit.PinnedVm(uniq("remote"), {
      host,
      vcpus: 4,
      pinning: { vcpus: ["2", "3", "4", "5"] }, // node 0
      memory: new virtkit.HugepageMemory(uniq("m"), { size: "4GiB", pageSize: "1GiB", hostNodes: "1" }),
      numa: twoCells,
    });
    const placement = await valueOf(vm.placement);
    expect(placement.memory).toEqual([{ node: 1, size: "4GiB", pageSize: "1GiB", pages: 4 }]);
    const xml = await valueOf(vm.domainXml);
    expect(xml).toContain('<memory mode="strict" nodeset="1"/>');
    expect(xml).toContain('<memnode cellid="0" mode="strict" nodeset="1"/>');
    expect(xml).toContain('<memnode cellid="1" mode="strict" nodeset="1"/>');
  });
});

describe("host NUMA nodes a VM names", () => {
  const known = () => new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system", capabilities, devices });

  it("must exist on the host, reported at the field the user wrote", () => {
    const host = known();
    expect(() => new virtkit.PinnedVm(uniq("a"), { host, vcpus: 1, pinning: { vcpus: ["2"] }, memory: { size: "1GiB" }, numa: { hostNodes: "7" } })).toThrow(
      /numa.hostNodes: host node 7 does not exist; host hv\d+ has NUMA nodes 0-1/,
    );
    expect(() => new virtkit.PinnedVm(uniq("b"), { host, vcpus: 1, memory: new virtkit.HugepageMemory(uniq("m"), { size: "1GiB", pageSize: "1GiB", hostNodes: "7" }) })).toThrow(
      /memory.hostNodes: host node 7 does not exist/,
    );
    expect(() => new virtkit.PinnedVm(uniq("c"), { host, vcpus: 2, memory: { size: "2GiB" }, numa: { cells: [{ cpus: "0", memory: "1GiB" }, { cpus: "1", memory: "1GiB" }], memnodes: [{ cell: 1, hostNodes: "0,5" }] } })).toThrow(
      /numa.memnodes\[0\].hostNodes: host node 5 does not exist/,
    );
  });

  it("are given in one place: HugepageMemory and numa may not disagree", () => {
    const host = known();
    const mem = new virtkit.HugepageMemory(uniq("m"), { size: "1GiB", pageSize: "1GiB", hostNodes: "1" });
    expect(() => new virtkit.PinnedVm(uniq("d"), { host, vcpus: 1, memory: mem, numa: { hostNodes: "0" } })).toThrow(/numa.hostNodes: "0" differs from the hostNodes "1" of HugepageMemory "m\d+"/);
  });
});

describe("options only placement can act on", () => {
  it("are reported as ignored on a host without capabilities", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: "qemu:///system" });
    const name = uniq("lonely");
    new virtkit.PinnedVm(name, { host, vcpus: 1, pinning: { vcpus: ["2"] }, memory: { size: "1GiB" }, emulator: "dedicated", strictLocality: true });
    const planned = virtkit.plannedVms().find((v) => v.component === `PinnedVm "${name}"`)!;
    expect(planned.warnings).toEqual([expect.stringMatching(/^emulator: "dedicated" needs the host's capabilities/), expect.stringMatching(/^strictLocality: needs the host's devices/)]);
  });
});

describe("LibvirtHost", () => {
  it.each([
    ["a URI without a scheme", { uri: "hv1" }, /uri: expected a libvirt URI/],
    ["reserved CPUs without capabilities", { uri: "qemu:///system", reservedCpus: "0-1" }, /capabilities: reservedCpus and devices need the host's capabilities XML/],
    ["a reserved CPU the host lacks", { uri: "qemu:///system", capabilities, reservedCpus: "0-1,99" }, /reservedCpus: host .* has no CPU 99/],
    ["capabilities that are not capabilities", { uri: "qemu:///system", capabilities: "<domain/>" }, /capabilities: /],
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
});
