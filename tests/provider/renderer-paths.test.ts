import { buildDomainModel, renderDomainArgs, renderDomainXml, layoutFromSpec, providerGaps, parseXml } from "../../sdk/src/render";
import { renderNetworkArgs, renderPoolArgs, renderVolumeArgs } from "../../sdk/src/render";
import { parseOrThrow } from "../../sdk/src/spec/validate";
import { NetworkSpec, PoolSpec, VolumeSpec } from "../../sdk/src/spec";
import { flattenPaths, schemaProblems } from "../support/providerSchema";
import { legacyInput, nfvInput, vmSpec } from "../support/vms";

/** Specs that together use every branch of the renderers. */
const domains = {
  nfv: vmSpec({ ...nfvInput(), disks: [{ source: { pool: "default", volume: "nfv.qcow2" }, iothread: 1, encryption: { secretUuid: "6dd3e4a5-1d76-44ce-961f-f119f5aad935" } }, { source: { file: "/srv/data.raw" }, format: "raw", readonly: true }] }),
  legacy: vmSpec(legacyInput()),
  custom: vmSpec({ name: "c", vcpus: 2, cpu: { mode: "custom", model: "Skylake-Server", check: "partial", features: [{ name: "avx512f", policy: "require" }] }, memory: { size: "2GiB", source: "memfd", access: "shared" }, nics: [{ type: "hostdev-network", network: "sriov-a", mac: "52:54:00:00:00:09", trust: true }], firmware: "efi", domainType: "qemu" }),
};

describe("every property path the renderer passes to the provider", () => {
  it.each(Object.entries(domains))("exists in the v0.9.7 domain schema with the right type and is settable (%s)", (_name, vm) => {
    const args = renderDomainArgs(buildDomainModel(vm, layoutFromSpec(vm)));
    expect(flattenPaths(args).length).toBeGreaterThan(20);
    expect(schemaProblems("libvirt_domain", args)).toEqual([]);
  });

  it("exists in the volume, pool and network schemas", () => {
    const vol = parseOrThrow(VolumeSpec, { name: "v.qcow2", pool: "default", capacity: "1GiB", backingStore: { path: "/b.qcow2" }, encryption: { secretUuid: "6dd3e4a5-1d76-44ce-961f-f119f5aad935" } }, "v");
    expect(schemaProblems("libvirt_volume", renderVolumeArgs(vol))).toEqual([]);
    expect(schemaProblems("libvirt_pool", renderPoolArgs(parseOrThrow(PoolSpec, { name: "p", path: "/srv/p" }, "p")))).toEqual([]);
    for (const net of [
      { forward: "nat", name: "n", bridge: "virbr7", ipv4: { address: "10.7.0.1", prefix: 24 } },
      { forward: "bridge", name: "b", bridge: "br0" },
      { forward: "hostdev", name: "h", pf: "enp59s0f0" },
    ]) {
      expect(schemaProblems("libvirt_network", renderNetworkArgs(parseOrThrow(NetworkSpec, net, "n")))).toEqual([]);
    }
  });

  it("is checked for real: a made-up path is reported", () => {
    expect(schemaProblems("libvirt_domain", { cpuTune: { vcpuPin: [{ vcpu: 0, cpuSet: "1" }] } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/cpuTune.vcpuPin\[\].vcpu is not in the schema/), expect.stringMatching(/cpuTune.vcpuPin\[\].cpuSet is not in the schema/)]),
    );
    expect(schemaProblems("libvirt_domain", { devices: { interfaces: [{ vlan: { tags: [{ id: 5 }] } }] } })).toEqual([expect.stringMatching(/read-only/)]);
  });
});

describe("the XML and the provider arguments of one model", () => {
  it("agree on pinning, memory backing, NUMA, topology and devices", () => {
    const model = buildDomainModel(domains.nfv, layoutFromSpec(domains.nfv));
    const args = renderDomainArgs(model) as Record<string, any>;
    const xml = parseXml(renderDomainXml(model), ["vcpupin", "memnode", "cell", "hostdev", "interface", "disk", "feature"]).domain as Record<string, any>;
    expect(args.cpuTune.vcpuPins).toEqual(xml.cputune.vcpupin.map((p: any) => ({ vcpu: Number(p["@_vcpu"]), cpuSet: p["@_cpuset"] })));
    expect(args.cpuTune.emulatorPin.cpuSet).toBe(xml.cputune.emulatorpin["@_cpuset"]);
    expect(args.numaTune.memNodes).toEqual(xml.numatune.memnode.map((m: any) => ({ cellId: Number(m["@_cellid"]), mode: m["@_mode"], nodeset: m["@_nodeset"] })));
    expect(args.cpu.numa.cells.map((c: any) => [c.cpus, c.memory])).toEqual(xml.cpu.numa.cell.map((c: any) => [c["@_cpus"], Number(c["@_memory"])]));
    expect(args.memoryBacking.memoryHugePages.hugepages[0].size).toBe(Number(xml.memoryBacking.hugepages.page["@_size"]));
    expect(args.cpu.topology).toEqual(Object.fromEntries(Object.entries(xml.cpu.topology).map(([k, v]) => [k.slice(2), Number(v)])));
    expect(args.memory).toBe(Number(xml.memory["#text"]));
    expect(args.devices.hostdevs[0].subsysPci.source.address.bus).toBe(parseInt(xml.devices.hostdev[0].source.address["@_bus"], 16));
    expect(args.devices.disks.map((d: any) => d.target.dev)).toEqual(xml.devices.disk.map((d: any) => d.target["@_dev"]));
  });

  it("report what only the XML can say", () => {
    const gaps = providerGaps(buildDomainModel(domains.nfv, layoutFromSpec(domains.nfv)));
    expect(gaps).toEqual([
      expect.stringMatching(/^expander buses: .*guest NUMA node 0, 1/),
      expect.stringMatching(/^guest PCI addresses: .* 2 passthrough device/),
      expect.stringMatching(/^nics\[1\]: .*VLAN 100 is not set/),
      expect.stringMatching(/^disks\[0\]: .*6dd3e4a5/),
    ]);
    expect(providerGaps(buildDomainModel(domains.custom, layoutFromSpec(domains.custom)))).toEqual([]);
  });
});
