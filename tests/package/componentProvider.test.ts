import * as pulumi from "@pulumi/pulumi";
import { isSecret, registration, valueOf } from "../support/mocks";
import { resources, uniq, uniqueUri, useMockedVirtkit } from "../support/componentHarness";
import { VirtkitValidationError } from "../../sdk/src/errors";

/**
 * The component provider (plugin pulumi-resource-virtkit) under Pulumi's mock engine: what
 * the engine hands `construct` for a program in another language, and what it answers.
 */
useMockedVirtkit();
let provider: import("../../sdk/src/package/provider").VirtkitProvider;
beforeAll(async () => {
  const { VirtkitProvider } = await import("../../sdk/src/package/provider");
  provider = new VirtkitProvider();
});

/** A resource reference as the engine sends it, deserialized the way the provider's server does. */
const reference = (urn: pulumi.Input<string>) =>
  pulumi.output(urn).apply((u) => pulumi.runtime.deserializeProperty({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialResourceSig, urn: u }) as pulumi.Resource);
/** An input the engine wraps in an Output because it depends on resources (a list of references, say). */
const dependent = <T>(value: T, secret = false) => (secret ? pulumi.secret(value) : pulumi.output(value));
/** Paths where `needle` appears outside a secret envelope. */
function outsideSecrets(value: unknown, needle: string, path = "$"): string[] {
  if (typeof value === "string") return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => outsideSecrets(v, needle, `${path}[${i}]`));
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return [];
    return Object.entries(o).flatMap(([k, v]) => outsideSecrets(v, needle, `${path}.${k}`));
  }
  return [];
}
const CEPH_KEY = "AQBrZXlmb3J0aGVjb21wb25lbnRwcm92aWRlcnRlc3Q=";
const construct = (type: string, name: string, inputs: pulumi.Inputs) => provider.construct(name, `virtkit:index:${type}`, inputs, {});

describe("the component provider", () => {
  it("serves the committed schema at the package's version", () => {
    const schema = JSON.parse(provider.schema) as { name: string; version: string; resources: Record<string, unknown> };
    expect(schema.name).toBe("virtkit");
    expect(provider.version).toBe(schema.version);
    expect(Object.keys(schema.resources)).toContain("virtkit:index:PinnedVm");
  });

  it("builds a PinnedVm whose host, memory and disks are references to components it built", async () => {
    const host = await construct("LibvirtHost", uniq("hv"), { uri: uniqueUri() });
    const mem = await construct("HugepageMemory", uniq("mem"), { size: "1GiB", pageSize: "2MiB" });
    const diskName = uniq("data");
    const disk = await construct("Qcow2Volume", diskName, { host: await valueOf(reference(host.urn)), pool: "default", size: "8GiB" });
    expect(await valueOf(pulumi.output(disk.state.path))).toBe(`/var/lib/libvirt/images/${diskName}.qcow2`);
    const vmName = uniq("vm");
    const vm = await construct("PinnedVm", vmName, {
      host: await valueOf(reference(host.urn)),
      vcpus: 2,
      domainType: "qemu",
      memory: await valueOf(reference(mem.urn)),
      // a list holding references comes as an Output of the list
      disks: dependent([await valueOf(reference(disk.urn))]),
    });
    expect(await valueOf(pulumi.output(vm.urn))).toMatch(/virtkit:index:PinnedVm::/);
    const xml = await valueOf(pulumi.output(vm.state.domainXml as string));
    expect(xml).toContain(`<source pool="default" volume="${diskName}.qcow2"/>`);
    expect(xml).toMatch(/<hugepages>\s*<page size="2048" unit="KiB"\/>/);
    const domain = await registration(resources, "libvirt:index/domain:Domain", vmName);
    expect(domain.inputs.vcpu).toBe(2);
    expect(await valueOf(pulumi.output(mem.state.pages as number))).toBe(512);
  });

  it("keeps a LUKS passphrase a secret through construct, to virtkit's volume resource and the returned state", async () => {
    const host = await construct("LibvirtHost", uniq("hv"), { uri: uniqueUri() });
    const name = uniq("luks");
    // the engine sends a secret inside an object as the whole object secret
    const vol = await construct("Qcow2Volume", name, { host: await valueOf(reference(host.urn)), pool: "default", size: "1GiB", encryption: dependent({ passphrase: "hunter2 hunter2" }, true) });
    const luks = await registration(resources, "pulumi-nodejs:dynamic/virtkit:LuksVolume", name);
    // registered inside Pulumi's secret envelope: the engine stores it encrypted
    expect(luks.inputs.passphrase).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: "hunter2 hunter2" });
    const passphrase = pulumi.output(vol.state.passphrase as string);
    expect(await isSecret(passphrase)).toBe(true);
    expect(await valueOf(passphrase)).toBe("hunter2 hunter2");
  });

  it("unfolds a secret object so that its secret fields alone stay secret: a VM's display password", async () => {
    const host = await construct("LibvirtHost", uniq("hv"), { uri: uniqueUri() });
    const name = uniq("vnc");
    const vm = await construct("PinnedVm", name, { host: await valueOf(reference(host.urn)), vcpus: 1, domainType: "qemu", memory: { size: "256MiB" }, graphics: dependent({ type: "vnc", password: "pw345678" }, true) });
    const xml = await valueOf(pulumi.output(vm.state.domainXml as string));
    expect(xml).toContain('<graphics type="vnc"');
    expect(xml).not.toContain("pw345678");
    const domain = await registration(resources, "libvirt:index/domain:Domain", name);
    // registered, and only inside Pulumi's secret envelopes (the engine stores those encrypted)
    expect(JSON.stringify(domain.inputs)).toContain("pw345678");
    expect(outsideSecrets(domain.inputs, "pw345678")).toEqual([]);
  });

  it("builds a VirtualNetwork, a StoragePool and a StorageSecret that a Qcow2Volume and a PinnedVm refer to; the key stays secret", async () => {
    const host = await construct("LibvirtHost", uniq("hv"), { uri: uniqueUri() });
    const hostRef = await valueOf(reference(host.urn));
    const netName = uniq("lan");
    const net = await construct("VirtualNetwork", netName, { host: hostRef, mode: "nat", ipv4: { address: "10.77.0.1/24", dhcp: { start: "10.77.0.10", end: "10.77.0.99" } } });
    expect(await valueOf(pulumi.output(net.state.networkXml as string))).toContain(`<name>${netName}</name>`);
    const poolName = uniq("images");
    const pool = await construct("StoragePool", poolName, { host: hostRef, type: "dir", path: "/srv/images" });
    expect(await valueOf(pulumi.output(pool.state.targetPath as string))).toBe("/srv/images");
    const diskName = uniq("data");
    const disk = await construct("Qcow2Volume", diskName, { host: hostRef, pool: await valueOf(reference(pool.urn)), size: "1GiB" });
    // the volume is in the referenced pool, made after it
    expect((await registration(resources, "libvirt:index/volume:Volume", diskName)).inputs.pool).toBe(poolName);
    const keyName = uniq("ceph");
    const usage = `client.${keyName} secret`;
    // secret config arrives as a secret Output
    const key = await construct("StorageSecret", keyName, { host: hostRef, type: "ceph", usage, value: dependent(CEPH_KEY, true) });
    expect(Object.keys(key.state).sort()).toEqual(["usage", "uuid"]);
    const vmName = uniq("vm");
    const vm = await construct("PinnedVm", vmName, {
      host: hostRef,
      vcpus: 1,
      domainType: "qemu",
      memory: { size: "256MiB" },
      disks: dependent([
        await valueOf(reference(disk.urn)),
        { source: { rbd: { pool: "rbd", image: "db", monitors: [{ host: "mon1.example" }] } }, auth: { username: "libvirt", secret: await valueOf(reference(key.urn)) } },
      ]),
      nics: dependent([await valueOf(reference(net.urn)), { network: await valueOf(reference(net.urn)), mac: "52:54:00:40:00:01" }]),
    });
    const domain = await registration(resources, "libvirt:index/domain:Domain", vmName);
    expect(domain.inputs.devices.disks.map((d: { source: unknown }) => d.source)).toEqual([
      { volume: { pool: poolName, volume: `${diskName}.qcow2` } },
      { network: { protocol: "rbd", name: "rbd/db", hosts: [{ name: "mon1.example", port: "6789" }], auth: { username: "libvirt", secret: { type: "ceph", usage } } } },
    ]);
    expect(domain.inputs.devices.interfaces.map((i: { source: unknown }) => i.source)).toEqual([{ network: { network: netName } }, { network: { network: netName } }]);
    expect(await valueOf(pulumi.output(vm.state.domainXml as string))).toContain(`<source network="${netName}"/>`);
    // the key: registered inside Pulumi's secret envelope, nowhere else in plain text
    const libvirtSecret = await registration(resources, "pulumi-nodejs:dynamic/virtkit:LibvirtSecret", keyName);
    expect(libvirtSecret.inputs.value).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: CEPH_KEY });
    expect(libvirtSecret.inputs).toMatchObject({ type: "ceph", usage, uuid: await valueOf(pulumi.output(key.state.uuid as string)) });
    expect(outsideSecrets(resources.map((r) => r.inputs), CEPH_KEY)).toEqual([]);
  });

  it("refuses a bad spec with virtkit's message before registering anything", async () => {
    const host = await construct("LibvirtHost", uniq("hv"), { uri: uniqueUri() });
    const name = uniq("bad");
    const r = construct("PinnedVm", name, { host: await valueOf(reference(host.urn)), vcpus: 0, memory: { size: "1GiB" } });
    await expect(r).rejects.toThrow(VirtkitValidationError);
    await expect(r).rejects.toThrow(`PinnedVm "${name}": vcpus: 0 is out of range`);
    expect(resources.some((x) => x.name === name)).toBe(false);
  });

  it("says which argument refers to a component it did not build (another program's, say)", async () => {
    const urn = "urn:pulumi:other::proj::virtkit:index:LibvirtHost::elsewhere";
    const r = construct("Qcow2Volume", uniq("orphan"), { host: await valueOf(reference(urn)), pool: "default", size: "1GiB" });
    await expect(r).rejects.toThrow(`host: ${urn} was not constructed by this virtkit provider`);
  });

  it("refuses a type the package does not have", async () => {
    await expect(construct("Nope", "x", {})).rejects.toThrow("unknown resource type virtkit:index:Nope");
  });
});
