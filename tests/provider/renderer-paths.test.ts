import { buildDomainModel, renderDomainArgs, renderDomainXml, layoutFromPlacement, layoutFromSpec, providerGaps, parseXml, type DomainModel } from "../../sdk/src/render";
import { HostLedger } from "../../sdk/src/host";
import { RESERVED, twoSocketHost } from "../host/fixtures";
import { renderCloudConfig, renderMetaData, renderNetworkArgs, renderSeedDiskArgs, renderSeedVolumeArgs, renderVolumeArgs } from "../../sdk/src/render";
import { parseOrThrow } from "../../sdk/src/schema/validate";
import { NetworkSpec, VolumeSpec } from "../../sdk/src/schema";
import { flattenPaths, schemaProblems } from "../support/providerSchema";
import { legacyInput, nfvInput, vmSpec } from "../support/vms";

/** Specs that together use every branch of the renderers. */
const domains = {
  nfv: vmSpec({ ...nfvInput(), disks: [{ source: { pool: "default", volume: "nfv.qcow2" }, iothread: 1, encryption: { secretUuid: "6dd3e4a5-1d76-44ce-961f-f119f5aad935" } }, { source: { file: "/srv/data.raw" }, format: "raw", readonly: true }] }),
  legacy: vmSpec(legacyInput()),
  disks: vmSpec({ name: "d", vcpus: 4, memory: { size: "2GiB" }, disks: [{ source: { file: "/srv/a.qcow2" }, bus: "scsi", cache: "writeback", io: "io_uring", discard: "ignore" }, { source: { file: "/srv/b.qcow2" }, bus: "sata" }] }),
  nics: vmSpec({
    name: "n", vcpus: 2, pinning: { vcpus: ["0", "1"] }, memory: { size: "2GiB", hugepages: { pageSize: "1GiB" }, access: "shared" },
    nics: [
      { type: "vhostuser", path: "/run/vhu0", mode: "client", mac: "52:54:00:00:00:0a" },
      { type: "direct", dev: "eth0", mode: "vepa" },
      { type: "bridge", bridge: "ovsbr0", virtualport: { type: "openvswitch", interfaceId: "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f", profileId: "gold" } },
      { type: "bridge", bridge: "ovsbr0", virtualport: { type: "openvswitch" } },
    ],
  }),
  guest: vmSpec({ name: "g", vcpus: 1, memory: { size: "1GiB" }, graphics: { type: "vnc" }, cdroms: [{ source: { pool: "default", volume: "g-cloudinit.iso" } }, { source: { file: "/srv/x.iso" } }] }),
  spice: vmSpec({ name: "s", vcpus: 1, memory: { size: "1GiB" }, graphics: { type: "spice", listen: "0.0.0.0" } }),
  boot: vmSpec({ name: "k", vcpus: 1, memory: { size: "256MiB" }, disks: [{ source: { file: "/srv/k.qcow2" } }], nics: [{ type: "network", network: "default" }], boot: { kernel: "/srv/vmlinuz", initrd: "/srv/initrd.img", cmdline: "console=ttyS0" } }),
  custom: vmSpec({ name: "c", vcpus: 2, cpu: { mode: "custom", model: "Skylake-Server", check: "partial", features: [{ name: "avx512f", policy: "require" }] }, memory: { size: "2GiB", source: "memfd", access: "shared" }, nics: [{ type: "hostdev-network", network: "sriov-a", mac: "52:54:00:00:00:09", trust: true }], firmware: "efi", domainType: "qemu" }),
};

describe("every property path the renderer passes to the provider", () => {
  it.each(Object.entries(domains))("exists in the v0.9.7 domain schema with the right type and is settable (%s)", (_name, vm) => {
    const args = renderDomainArgs(buildDomainModel(vm, layoutFromSpec(vm)), { graphicsPassword: "pw" });
    expect(flattenPaths(args).length).toBeGreaterThan(20);
    expect(schemaProblems("libvirt_domain", args)).toEqual([]);
  });

  it("exists in the cloud-init disk schema, and the seed's volume in the volume schema", () => {
    const seed = { volume: "g-cloudinit.iso", userData: renderCloudConfig({ hostname: "g" }), metaData: renderMetaData("g", "g"), networkConfig: "version: 2\n" };
    expect(flattenPaths(renderSeedDiskArgs(seed))).toHaveLength(4);
    expect(schemaProblems("libvirt_cloudinit_disk", renderSeedDiskArgs(seed))).toEqual([]);
    expect(schemaProblems("libvirt_volume", renderSeedVolumeArgs("default", "g-cloudinit.iso", "/tmp/seed.iso"))).toEqual([]);
  });

  it("exists in the volume and network schemas", () => {
    const vol = parseOrThrow(VolumeSpec, { name: "v.qcow2", pool: "default", capacity: "1GiB", backingStore: { path: "/b.qcow2" } }, "v");
    expect(schemaProblems("libvirt_volume", renderVolumeArgs(vol))).toEqual([]);
    for (const net of [
      { mode: "nat", name: "n", bridge: "virbr7", mtu: 9000, ipv4: { address: "10.7.0.1/24", dhcp: { start: "10.7.0.100", end: "10.7.0.200" } } },
      { mode: "isolated", name: "i", ipv4: { address: "10.8.0.1/24" } },
      { mode: "bridge", name: "b", bridge: "br0" },
      { mode: "openvswitch", name: "o", bridge: "ovsbr0" },
      { mode: "hostdev", name: "h", pf: "enp59s0f0" },
    ]) {
      expect(schemaProblems("libvirt_network", renderNetworkArgs(parseOrThrow(NetworkSpec, net, "n")))).toEqual([]);
    }
  });

  it("is checked for real: a made-up path, a read-only property and a missing required one are reported", () => {
    expect(schemaProblems("libvirt_domain", { type: "kvm", cpuTune: { vcpuPin: [{ vcpu: 0, cpuSet: "1" }] } })).toEqual([
      "libvirt_domain: cpuTune.vcpuPin[].cpuSet is not in the schema",
      "libvirt_domain: cpuTune.vcpuPin[].vcpu is not in the schema",
    ]);
    expect(schemaProblems("libvirt_domain", { type: "kvm", uuid: "6dd3e4a5-1d76-44ce-961f-f119f5aad935" })).toEqual(["libvirt_domain: uuid is read-only"]);
    expect(schemaProblems("libvirt_domain", { type: "kvm", devices: { interfaces: [{ vlan: { tags: [{ nativeMode: "untagged" }] } }] } })).toEqual([
      "libvirt_domain: devices.interfaces[].vlan.tags[].id is required and missing",
    ]);
  });
});

describe("the XML and the provider arguments of one model", () => {
  /** The facts both views carry, read from each the way its consumer reads it. */
  function agreeOn(model: DomainModel) {
    const args = renderDomainArgs(model) as Record<string, any>;
    const xml = parseXml(renderDomainXml(model), ["vcpupin", "iothreadpin", "vcpusched", "memnode", "cell", "hostdev", "interface", "disk", "feature", "page"]).domain as Record<string, any>;
    const attrs = (list: any[] | undefined, ...keys: string[]) => (list ?? []).map((x) => keys.map((k) => x[`@_${k}`]));
    const fromArgs = {
      vcpupins: (args.cpuTune?.vcpuPins ?? []).map((p: any) => [String(p.vcpu), p.cpuSet]),
      emulatorpin: args.cpuTune?.emulatorPin?.cpuSet,
      iothreadpins: (args.cpuTune?.ioThreadPins ?? []).map((p: any) => [String(p.ioThread), p.cpuSet]),
      vcpusched: (args.cpuTune?.vcpuScheds ?? []).map((p: any) => [p.vcpus, p.scheduler, String(p.priority)]),
      numatune: args.numaTune?.memory && [args.numaTune.memory.mode, args.numaTune.memory.nodeset],
      memnodes: (args.numaTune?.memNodes ?? []).map((m: any) => [String(m.cellId), m.mode, m.nodeset]),
      cells: (args.cpu.numa?.cells ?? []).map((c: any) => [c.cpus, String(c.memory), c.memAccess]),
      pages: (args.memoryBacking?.memoryHugePages?.hugepages ?? []).map((p: any) => [String(p.size), p.nodeset]),
      access: args.memoryBacking?.memoryAccess?.mode,
      source: args.memoryBacking?.memorySource?.type,
      locked: !!args.memoryBacking?.memoryLocked,
      topology: args.cpu.topology && [args.cpu.topology.sockets, args.cpu.topology.dies, args.cpu.topology.cores, args.cpu.topology.threads].map(String),
      features: (args.cpu.features ?? []).map((f: any) => [f.policy, f.name]),
      memory: String(args.memory),
      machine: args.os.typeMachine,
      boot: [args.os.kernel, args.os.initrd, args.os.cmdline, (args.os.bootDevices ?? []).map((b: any) => b.dev)],
      hostdevs: (args.devices?.hostdevs ?? []).map((h: any) => h.subsysPci.source.address.bus),
      disks: (args.devices?.disks ?? []).map((d: any) => d.target.dev),
      nics: (args.devices?.interfaces ?? []).map((n: any) => [
        n.source.vhostUser?.chardev.unix.path ?? n.source.direct?.dev ?? n.source.bridge?.bridge ?? n.source.network?.network ?? "hostdev",
        n.source.vhostUser?.chardev.unix.mode ?? n.source.direct?.mode,
        n.virtualPort && n.virtualPort.params.openVSwitch.interfaceId,
        n.driver?.queues && String(n.driver.queues),
      ]),
    };
    const fromXml = {
      vcpupins: attrs(xml.cputune?.vcpupin, "vcpu", "cpuset"),
      emulatorpin: xml.cputune?.emulatorpin?.["@_cpuset"],
      iothreadpins: attrs(xml.cputune?.iothreadpin, "iothread", "cpuset"),
      vcpusched: attrs(xml.cputune?.vcpusched, "vcpus", "scheduler", "priority"),
      numatune: xml.numatune?.memory && [xml.numatune.memory["@_mode"], xml.numatune.memory["@_nodeset"]],
      memnodes: attrs(xml.numatune?.memnode, "cellid", "mode", "nodeset"),
      cells: attrs(xml.cpu.numa?.cell, "cpus", "memory", "memAccess"),
      pages: attrs(xml.memoryBacking?.hugepages?.page, "size", "nodeset"),
      access: xml.memoryBacking?.access?.["@_mode"],
      source: xml.memoryBacking?.source?.["@_type"],
      locked: xml.memoryBacking?.locked !== undefined,
      topology: xml.cpu.topology && ["sockets", "dies", "cores", "threads"].map((k) => xml.cpu.topology[`@_${k}`]),
      features: attrs(xml.cpu.feature, "policy", "name"),
      memory: xml.memory["#text"],
      machine: xml.os.type["@_machine"],
      boot: [xml.os.kernel, xml.os.initrd, xml.os.cmdline, [xml.os.boot].flat().filter(Boolean).map((b: any) => b["@_dev"])],
      hostdevs: (xml.devices?.hostdev ?? []).map((h: any) => parseInt(h.source.address["@_bus"], 16)),
      disks: (xml.devices?.disk ?? []).map((d: any) => d.target["@_dev"]),
      nics: (xml.devices?.interface ?? []).map((n: any) => [
        n.source["@_path"] ?? n.source["@_dev"] ?? n.source["@_bridge"] ?? n.source["@_network"] ?? "hostdev",
        n.source["@_mode"],
        n.virtualport?.parameters["@_interfaceid"],
        n.driver?.["@_queues"],
      ]),
    };
    return { fromArgs, fromXml };
  }

  it.each(Object.entries(domains))("agree on every compute, memory and device fact (%s, explicit layout)", (_name, vm) => {
    const { fromArgs, fromXml } = agreeOn(buildDomainModel(vm, layoutFromSpec(vm)));
    expect(fromArgs).toEqual(fromXml);
  });

  it("agree when the layout comes from the allocator's placement", () => {
    const ledger = new HostLedger("hv", twoSocketHost(), { reservedCpus: RESERVED });
    const vm = vmSpec({
      name: "placed", vcpus: 4, iothreads: 1,
      cpu: { topology: { sockets: 1, cores: 2, threads: 2 } },
      pinning: "auto",
      realtime: { scheduler: "fifo", priority: 2, vcpus: "2-3" },
      memory: { size: "4GiB", hugepages: { pageSize: "1GiB" } },
      numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }] },
    });
    const result = ledger.place({ owner: "vm", vcpus: 4, threadsPerCore: 2, pinning: "auto", iothreads: 1, emulator: "housekeeping", numa: "local", guestCells: vm.numa.cells.map((c) => ({ vcpus: c.cpus, memoryBytes: c.memory })), memory: { bytes: vm.memory.size, pageSizeBytes: 1024 ** 3 }, devices: [] });
    const { fromArgs, fromXml } = agreeOn(buildDomainModel(vm, layoutFromPlacement(vm, result.placement!)));
    expect(fromArgs).toEqual(fromXml);
    expect(fromArgs.vcpupins).toHaveLength(4);
    expect(fromArgs.memnodes).toHaveLength(2);
    expect(fromArgs.iothreadpins).toHaveLength(1);
  });

  it("report what only the XML can say", () => {
    const gaps = providerGaps(buildDomainModel(domains.nfv, layoutFromSpec(domains.nfv)));
    expect(gaps).toEqual([
      expect.stringMatching(/^expander buses: .*guest NUMA node 0, 1/),
      expect.stringMatching(/^guest PCI addresses: .* 2 passthrough device/),
    ]);
    expect(providerGaps(buildDomainModel(domains.custom, layoutFromSpec(domains.custom)))).toEqual([]);
    // macvtap, OVS ports and vhost-user it carries (the lifecycle suite reads a vhost-user NIC back after a real up)
    expect(providerGaps(buildDomainModel(domains.nics, layoutFromSpec(domains.nics)))).toEqual([]);
  });
});
