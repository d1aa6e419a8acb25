import { readFileSync } from "node:fs";
import { z } from "zod";
import { join } from "node:path";
import { packageSchema, PINNED_VM_SPEC_FIELDS, type PackageSchema, type TypeSpec } from "../../sdk/src/package/packageSchema";
import { VmSpecObject } from "../../sdk/src/schema/vm";
import { PinnedVmOptions } from "../../sdk/src/compute/pinnedVm/args";
import { LibvirtHostArgsSchema } from "../../sdk/src/libvirtHost/args";
import { HugepageMemoryArgsSchema } from "../../sdk/src/compute/hugepageMemory/args";
import { Qcow2VolumeArgsSchema } from "../../sdk/src/storage/qcow2Volume/args";
import { SriovNicArgsSchema } from "../../sdk/src/network/sriovNic/args";
import { PciPassthroughArgsSchema } from "../../sdk/src/network/pciPassthrough/args";
import { StorageSecretArgsSchema } from "../../sdk/src/storage/storageSecret/args";
import { NetworkSpec } from "../../sdk/src/schema/network";
import { PoolSpec } from "../../sdk/src/schema/storage";
import * as virtkit from "../../sdk/src/index";
import * as pulumi from "@pulumi/pulumi";

/** virtkit's Pulumi package schema: generated from the zod schemas, committed, complete. */
const repo = join(__dirname, "..", "..");
const committed = JSON.parse(readFileSync(join(repo, "sdk/src/package/schema.json"), "utf8")) as PackageSchema;
const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
const resource = (name: string) => committed.resources[`virtkit:index:${name}`];
const keys = (o: object) => Object.keys(o).sort();
/** Every key of every variant of a discriminated union (a component's inputs are one object). */
const unionKeys = (u: { options: readonly { shape: object }[] }) => [...new Set(u.options.flatMap((o) => Object.keys(o.shape)))];

describe("the package schema", () => {
  it("is what `npm run schema` generates now, at the package's version", () => {
    // a stale file means a component argument changed without the schema: run npm run schema
    expect(committed).toEqual(packageSchema(version));
    expect(committed.version).toBe(version);
  });

  it("has every component the SDK exports", () => {
    // a component added to sdk/src/index.ts without the package would be missing for YAML
    const exported = Object.entries(virtkit)
      .filter(([, v]) => typeof v === "function" && v.prototype instanceof pulumi.ComponentResource)
      .map(([name]) => `virtkit:index:${name}`);
    expect(exported.length).toBeGreaterThanOrEqual(9);
    expect(keys(committed.resources)).toEqual(exported.sort());
  });

  it("has every argument of every component, and nothing else", () => {
    const expected: Record<string, string[]> = {
      LibvirtHost: keys(LibvirtHostArgsSchema.shape),
      HugepageMemory: keys(HugepageMemoryArgsSchema.shape),
      Qcow2Volume: [...keys(Qcow2VolumeArgsSchema.shape), "host"].sort(),
      SriovNic: [...keys(SriovNicArgsSchema.shape), "host"].sort(),
      PciPassthrough: [...keys(PciPassthroughArgsSchema.shape), "host"].sort(),
      // a network's or pool's modes, one set of properties; the discriminator says which apply
      VirtualNetwork: [...unionKeys(NetworkSpec), "host"].sort(),
      StoragePool: [...unionKeys(PoolSpec), "host"].sort(),
      StorageSecret: [...keys(StorageSecretArgsSchema.shape), "host"].sort(),
      // the VM spec's fields but its name (domainName says it), the placement options, the host, cloud-init's seed
      PinnedVm: [...new Set([...keys(VmSpecObject.shape).filter((k) => k !== "name"), ...keys(PinnedVmOptions.shape), "host", "cloudInit"])].sort(),
    };
    expect(keys(committed.resources)).toEqual(keys(expected).map((n) => `virtkit:index:${n}`).sort());
    for (const [name, fields] of Object.entries(expected)) {
      expect([name, keys(resource(name).inputProperties)]).toEqual([name, fields]);
      expect(resource(name).isComponent).toBe(true);
      for (const r of resource(name).requiredInputs) expect(fields).toContain(r);
    }
    // nested objects keep every field too: the VM's CPU, say
    expect(keys(committed.types["virtkit:index:PinnedVmCpu"].properties)).toEqual(keys(VmSpecObject.shape.cpu.unwrap().shape));
    expect(keys(PINNED_VM_SPEC_FIELDS.shape)).not.toContain("memory");
  });

  it("makes references between components resource references", () => {
    const refs = (t: TypeSpec | undefined): string[] => (t ? [t.$ref, ...(t.oneOf ?? []).flatMap(refs), ...refs(t.items)].filter((r): r is string => !!r) : []);
    const vm = resource("PinnedVm").inputProperties;
    // a VM's host is a LibvirtHost, or the list of those it may be placed on
    expect(vm.host.oneOf).toEqual([expect.objectContaining({ $ref: "#/resources/virtkit:index:LibvirtHost" }), { type: "array", items: expect.objectContaining({ $ref: "#/resources/virtkit:index:LibvirtHost" }) }]);
    expect(refs(vm.memory)).toEqual(["#/resources/virtkit:index:HugepageMemory", "#/types/virtkit:index:PinnedVmMemory"]);
    expect(refs(vm.disks)).toEqual(["#/resources/virtkit:index:Qcow2Volume", "#/types/virtkit:index:PinnedVmDisk"]);
    expect(refs(vm.nics).slice(0, 3)).toEqual(["#/resources/virtkit:index:SriovNic", "#/resources/virtkit:index:VirtualNetwork", "#/types/virtkit:index:PinnedVmNicVirtualNetwork"]);
    expect(committed.types["virtkit:index:PinnedVmNicVirtualNetwork"].properties.network).toEqual({ $ref: "#/resources/virtkit:index:VirtualNetwork" });
    // the NIC's own settings on a VirtualNetwork, as VirtualNetworkNic has them
    expect(keys(committed.types["virtkit:index:PinnedVmNicVirtualNetwork"].properties)).toEqual(["mac", "model", "network", "queues", "trust"]);
    // one named type per NIC type of the spec (network, bridge, vf, ...)
    const nicTypes = (z.toJSONSchema(VmSpecObject.shape.nics.unwrap().element, { io: "input", unrepresentable: "any" }).oneOf as { properties: { type: { const: string } } }[]).map((v) => v.properties.type.const);
    expect(nicTypes.length).toBeGreaterThanOrEqual(4);
    expect(refs(vm.nics).slice(3).sort()).toEqual(nicTypes.map((t) => `#/types/virtkit:index:PinnedVmNic${t.replace(/(^|-)([a-z])/g, (_, _d, c: string) => c.toUpperCase())}`).sort());
    expect(refs(vm.hostdevs)).toEqual(["#/resources/virtkit:index:PciPassthrough", "#/types/virtkit:index:PinnedVmHostdev"]);
    expect(refs(resource("Qcow2Volume").inputProperties.pool)).toEqual(["#/resources/virtkit:index:StoragePool"]);
    expect(resource("Qcow2Volume").inputProperties.pool.oneOf).toContainEqual({ type: "string" });
    expect(refs(committed.types["virtkit:index:PinnedVmDiskAuth"].properties.secret)).toEqual(["#/resources/virtkit:index:StorageSecret", "#/types/virtkit:index:PinnedVmDiskAuthSecret"]);
    for (const c of ["Qcow2Volume", "SriovNic", "PciPassthrough", "VirtualNetwork", "StoragePool", "StorageSecret"]) expect(refs(resource(c).inputProperties.host)).toEqual(["#/resources/virtkit:index:LibvirtHost"]);
    expect(committed.types["virtkit:index:Qcow2VolumeBaseImageVolume"].properties.volume).toEqual({ $ref: "#/resources/virtkit:index:Qcow2Volume" });
  });

  it("refers only to what it defines, and keeps the LUKS passphrase and a storage secret's key secret", () => {
    const text = JSON.stringify(committed);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      if (ref === "pulumi.json#/Any") continue;
      const [, kind, token] = /^#\/(types|resources)\/(.+)$/.exec(ref) ?? [];
      expect([ref, kind && token in committed[kind as "types" | "resources"]]).toEqual([ref, true]);
    }
    expect(committed.types["virtkit:index:Qcow2VolumeEncryption"].properties.passphrase).toEqual({ type: "string", secret: true });
    expect(resource("Qcow2Volume").properties.passphrase.secret).toBe(true);
    expect(resource("StorageSecret").inputProperties.value).toMatchObject({ type: "string", secret: true });
    // the key is no output: nothing returns it to the program
    expect(keys(resource("StorageSecret").properties)).not.toContain("value");
  });
});
