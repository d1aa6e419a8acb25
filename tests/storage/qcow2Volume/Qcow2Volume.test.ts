import * as pulumi from "@pulumi/pulumi";
import { captureChildren, isSecret, registration, settle, valueOf } from "../../support/mocks";
import { resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";
import { stableUuid } from "../../../sdk/src/storage/qcow2Volume/plan";
import { schemaProblems } from "../../support/providerSchema";

useMockedVirtkit();

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


describe("Qcow2Volume", () => {
  it("creates a base from a URL and a protected copy-on-write overlay on it", async () => {
    const volumeOpts = captureChildren("libvirt:index/volume:Volume");
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("root");
    const vol = new virtkit.Qcow2Volume(name, { host, pool: "default", size: "40GiB", baseImage: { url: "https://images.example/debian-12.qcow2" } }, { transformations: [volumeOpts.transformation] });
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
    expect(volumeOpts.byName(name)?.opts.protect).toBe(true);
    // a new size grows the volume in place (virtkit:VolumeCapacity), never replaces it
    expect(volumeOpts.byName(name)?.opts.replaceOnChanges).not.toContain("capacity");
    expect(volumeOpts.byName(name)?.opts.ignoreChanges).toEqual(["capacity"]);
    const capacity = await registration(resources, "pulumi-nodejs:dynamic/virtkit:VolumeCapacity", `${name}-capacity`);
    expect(capacity.inputs).toMatchObject({ uri: host.uri, pool: "default", name: `${name}.qcow2`, capacity: 40 * 1024 ** 3 });
  });

  it("shares one base image between the overlays of one URL in one pool of a host", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const url = "https://images.example/debian-12.qcow2";
    const a = new virtkit.Qcow2Volume(uniq("a"), { host, pool: "default", size: "10GiB", baseImage: { url } });
    const b = new virtkit.Qcow2Volume(uniq("b"), { host, pool: "default", size: "20GiB", baseImage: { url } });
    const other = new virtkit.Qcow2Volume(uniq("c"), { host, pool: "fast", size: "10GiB", baseImage: { url } });
    expect(b.base).toBe(a.base);
    expect(other.base).not.toBe(a.base);
  });

  it("keeps the LUKS passphrase a secret from the program to the volume resource", async () => {
    const luks = captureChildren("pulumi-nodejs:dynamic/virtkit:LuksVolume");
    const captured = luks.captured;
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const volName = uniq("enc");
    const vol = new virtkit.Qcow2Volume(volName, { host, pool: "default", size: "10GiB", encryption: { passphrase: "hunter2" } }, { transformations: [luks.transformation] });
    // serialising a dynamic provider is asynchronous: let it finish inside the test
    await registration(resources, "pulumi-nodejs:dynamic/virtkit:LuksVolume", volName);
    expect(await isSecret(vol.passphrase!)).toBe(true);
    // the passphrase reaches virtkit's LUKS volume resource as a secret, and comes back out as one
    expect(captured).toHaveLength(1);
    expect(await isSecret(captured[0].props.passphrase as pulumi.Output<string>)).toBe(true);
    expect((captured[0].opts as pulumi.CustomResourceOptions).additionalSecretOutputs).toContain("passphrase");
    // a stable secret UUID, derived from host, pool and volume name
    expect(vol.secretUuid).toBe(stableUuid(`${host.uri}|default|${volName}.qcow2`));
    expect(await valueOf(vol.volumeXml)).toContain(`<secret type="passphrase" uuid="${vol.secretUuid}"/>`);

    const vmName = uniq("e");
    const vm = new virtkit.PinnedVm(vmName, { host, vcpus: 1, memory: { size: "1GiB" }, disks: [vol] });
    // the disk names the volume's secret by its UUID, as the domain XML does
    const domainInputs = (await registration(resources, "libvirt:index/domain:Domain", vmName)).inputs;
    expect(domainInputs.devices.disks[0].encryption).toEqual({ format: "luks", secrets: [{ type: "passphrase", uuid: vol.secretUuid }] });
    expect(schemaProblems("libvirt_domain", domainInputs)).toEqual([]);
    expect(await valueOf(vm.domainXml)).toContain(`<secret type="passphrase" uuid="${vol.secretUuid}"/>`);
    // on the wire to the engine it only ever travels inside a secret envelope
    expect(plainOccurrences(resources.map((r) => r.inputs), "hunter2")).toEqual([]);
    expect(JSON.stringify(resources.map((r) => r.inputs))).toContain("hunter2"); // it did travel (inside the envelope)
    expect(await valueOf(vm.domainXml)).not.toContain("hunter2");
  });

  it("refuses encryption without a passphrase", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.Qcow2Volume(uniq("nopass"), { host, pool: "default", size: "1GiB", encryption: { passphrase: "" } })).toThrow(/encryption.passphrase: a LUKS volume needs a passphrase/);
  });

  it.each([
    ["a passphrase that is not a string or secret", { encryption: { passphrase: 42 } }, /encryption.passphrase: a LUKS volume needs a passphrase: a non-empty string or a Pulumi secret/],
    ["a base volume that is not a Qcow2Volume", { baseImage: { volume: "nope" } }, /baseImage: expected \{ url \} or \{ volume: a Qcow2Volume \}/],
  ])("refuses %s before registering", async (_label, patch, message) => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("bad-vol");
    expect(() => new virtkit.Qcow2Volume(name, { host, pool: "default", size: "1GiB", ...patch } as never)).toThrow(message);
    await settle();
    expect(resources.some((r) => r.name === name)).toBe(false);
  });

  it("refuses a size that is not a size, naming the field", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    expect(() => new virtkit.Qcow2Volume("v", { host, pool: "default", size: "40G" })).toThrow(/Qcow2Volume "v": size: "40G" is not a size/);
  });
});

describe("Qcow2Volume replacement", () => {
  it("is allowed only when asked for: allowReplace drops the protection", async () => {
    const volumeOpts = captureChildren("libvirt:index/volume:Volume");
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("scratch");
    new virtkit.Qcow2Volume(name, { host, pool: "default", size: "1GiB", allowReplace: true }, { transformations: [volumeOpts.transformation] });
    await registration(resources, "libvirt:index/volume:Volume", name);
    expect(volumeOpts.byName(name)?.opts.protect).toBe(false);
  });

  it("refuses two volumes with one name in one pool", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    new virtkit.Qcow2Volume("data-a", { host, pool: "default", size: "1GiB", name: "data.qcow2" });
    expect(() => new virtkit.Qcow2Volume("data-b", { host, pool: "default", size: "1GiB", name: "data.qcow2" })).toThrow(
      /Qcow2Volume "data-b": name: volume "default\/data.qcow2" on host .* is already declared by Qcow2Volume "data-a"/,
    );
  });
});
