import { captureChildren, registration, settle, valueOf } from "../../support/mocks";
import { capabilities, devices, domains, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../../support/componentHarness";

useMockedVirtkit();

describe("PinnedVm on a host without capabilities", () => {
  it("registers one Domain with the explicit pins, hugepages, NUMA binding and topology", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
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
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const before = domains().length;
    expect(() => new virtkit.PinnedVm("auto-x", { host, vcpus: 2, pinning: "auto", memory: { size: "1GiB" } })).toThrow(/pinning: "auto" needs the host's capabilities/);
    await settle();
    expect(domains().length).toBe(before);
    expect(resources.some((r) => r.name === "auto-x" && r.type === "libvirt:index/domain:Domain")).toBe(false);
  });

  it("throws a VirtkitValidationError for an invalid topology and registers no Domain", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
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

  it("refuses placement options outside their set, every problem at once, before registering anything", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("opts");
    let error: unknown;
    try {
      new virtkit.PinnedVm(name, {
        host,
        vcpus: 1,
        memory: { size: "1GiB" },
        emulator: "dedicatd",
        strictLocality: "no",
        expanderBuses: "autoo",
        domainName: "../etc",
      } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(virtkit.VirtkitValidationError);
    expect((error as InstanceType<typeof virtkit.VirtkitValidationError>).issues.map((i) => i.path)).toEqual(["domainName", "emulator", "strictLocality", "expanderBuses"]);
    expect((error as Error).message).toMatch(/expanderBuses: "autoo" is not an expander bus choice; expected "auto", "none" or a list/);
    await settle();
    expect(resources.some((r) => r.name === name)).toBe(false);
  });

  it("refuses one volume or NIC twice in one VM, naming where it already is", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const volume = new virtkit.Qcow2Volume(uniq("twice"), { host, pool: "default", size: "1GiB" });
    const nic = new virtkit.SriovNic(uniq("twice"), { host, vf: { address: "0000:3b:02.1" } });
    expect(() => new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, disks: [volume, volume], nics: [nic, nic] })).toThrow(
      /disks\[1\]: Qcow2Volume "twice\d+" is already disks\[0\] of this VM[\s\S]*nics\[1\]: SriovNic "twice\d+" is already nics\[0\] of this VM/,
    );
  });

  it("refuses two VMs with the same domain name on one host", () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    new virtkit.PinnedVm(uniq("a"), { host, vcpus: 1, memory: { size: "1GiB" }, domainName: "web" });
    expect(() => new virtkit.PinnedVm(uniq("b"), { host, vcpus: 1, memory: { size: "1GiB" }, domainName: "web" })).toThrow(/domain "web" on host .* is already declared by PinnedVm "a\d+"/);
  });

  it("marks the properties that replace the domain", async () => {
    const domain = captureChildren("libvirt:index/domain:Domain");
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    new virtkit.PinnedVm(uniq("r"), { host, vcpus: 1, memory: { size: "1GiB" } }, { transformations: [domain.transformation] });
    expect(domain.captured.at(-1)?.opts.replaceOnChanges).toEqual(["name", "type"]);
  });
});

describe("PinnedVm on a known host", () => {
  const host2s = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices, reservedCpus: "0-1,32-33" });

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
    // the VLAN tag reaches the provider as the domain XML says it (vlan.tags[].id is settable in v0.9.7)
    expect(iface.vlan).toEqual({ tags: [{ id: 100 }] });
    expect(await valueOf(vm.domainXml)).toMatch(/<vlan>\s*<tag id="100"\/>/);
    expect(d.inputs.numaTune.memory.nodeset).toBe("1");
  });

  // found by provider v0.9.7 on a real `up`: libvirt refuses cpuset="" ("Failed to parse bitmap ''")
  it.each([
    ["explicit vCPU and emulator pins", { pinning: { vcpus: ["4", "5"], emulator: "6" } }, "6"],
    ["auto pinning", { pinning: "auto" as const }, undefined],
  ])("with no housekeeping CPUs on the host, a disk's iothread runs with the emulator, never on an empty cpuset (%s)", async (_, pins, emulator) => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });
    const vmName = uniq("io");
    const vm = new virtkit.PinnedVm(vmName, { host, vcpus: 2, memory: { size: "1GiB" }, disks: [{ source: { file: "/srv/a.qcow2" } }], ...pins });
    const xml = await valueOf(vm.domainXml);
    const d = await registration(resources, "libvirt:index/domain:Domain", vmName);
    const tune = d.inputs.cpuTune;
    expect(d.inputs.ioThreads).toBe(1);
    expect(tune.ioThreadPins ?? []).toEqual(tune.emulatorPin ? [{ ioThread: 1, cpuSet: tune.emulatorPin.cpuSet }] : []);
    if (emulator) expect(tune.emulatorPin).toEqual({ cpuSet: emulator });
    expect(JSON.stringify(d.inputs)).not.toMatch(/"cpuSet":""/);
    expect(xml).not.toMatch(/cpuset=""/);
    // the XML and the provider arguments say the same pins
    expect([...xml.matchAll(/<iothreadpin iothread="(\d+)" cpuset="([^"]+)"\/>/g)].map((m) => ({ ioThread: Number(m[1]), cpuSet: m[2] }))).toEqual(tune.ioThreadPins ?? []);
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

  it("puts an expander bus only on the guest cell a device is given to, when the spec names it", async () => {
    const host = host2s();
    const vm = new virtkit.PinnedVm(uniq("buses"), {
      host,
      vcpus: 4,
      memory: { size: "4GiB" },
      numa: { cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }], allowSpanning: true },
      // the VF sits on host node 0, but the user wants it behind guest cell 1
      nics: [{ type: "vf", address: "0000:3b:02.6", guestNode: 1 }],
    });
    const xml = await valueOf(vm.domainXml);
    expect(xml.match(/model="pcie-expander-bus"/g)).toHaveLength(1);
    expect(xml).toMatch(/<target busNr="\d+">\s*<node>1<\/node>/);
  });

  it("names both VMs when explicit pins collide", () => {
    const host = host2s();
    new virtkit.PinnedVm("cache", { host, vcpus: 2, pinning: { vcpus: ["17", "18"] }, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm("db", { host, vcpus: 2, pinning: { vcpus: ["16", "17"] }, memory: { size: "1GiB" } })).toThrow(/pinning.vcpus\[1\]: .*17.*PinnedVm "cache"/);
  });

  it("refuses a PCI device the host does not have", () => {
    const host = host2s();
    expect(() => new virtkit.PciPassthrough(uniq("gpu"), { host, address: "0000:01:00.0" })).toThrow(/address: no PCI device at 0000:01:00\.0 on host \S+ \(its facts list /);
  });

  it("refuses one SriovNic in two VMs, naming both", () => {
    const host = host2s();
    const nic = new virtkit.SriovNic(uniq("n"), { host, vf: { address: "0000:3b:02.3" } });
    new virtkit.PinnedVm("first", { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] });
    expect(() => new virtkit.PinnedVm("second", { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] })).toThrow(/SriovNic "n\d+" is already attached to PinnedVm "first"/);
  });
});

describe("component names", () => {
  it("are unique per component type in a program, as the engine's URNs require", () => {
    const hv1 = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const hv2 = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    new virtkit.PinnedVm("twin", { host: hv1, vcpus: 1, memory: { size: "1GiB" } });
    expect(() => new virtkit.PinnedVm("twin", { host: hv2, vcpus: 1, memory: { size: "1GiB" } })).toThrow(
      /PinnedVm "twin": another PinnedVm is already named "twin" in this program/,
    );
    // the same name on another component type is a different URN
    expect(() => new virtkit.HugepageMemory("twin", { size: "2GiB", pageSize: "1GiB" })).not.toThrow();
  });
});

describe("parts of a VM", () => {
  const known = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });

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

  it("refuses a VF that is not a VF of the PF it names, at the SriovNic", () => {
    const host = known();
    expect(() => new virtkit.SriovNic(uniq("nic"), { host, pf: "enp175s0f0", vf: { address: "0000:3b:02.5" } })).toThrow(/vf\.address: VF 0000:3b:02\.5 belongs to enp59s0f0 .*, not to enp175s0f0/);
  });

  it("make the domain wait for the hostdev network its VF comes from", async () => {
    const domain = captureChildren("libvirt:index/domain:Domain");
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const nic = new virtkit.SriovNic(uniq("pool"), { host, pf: "enp59s0f0" });
    new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] }, { transformations: [domain.transformation] });
    expect(nic.network).toBeDefined();
    expect(domain.captured[0].opts.dependsOn).toContain(nic.network);
  });

  it("make the domain wait for what the program made the VM depend on, besides its own parts", async () => {
    const domain = captureChildren("libvirt:index/domain:Domain");
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const nic = new virtkit.SriovNic(uniq("pool"), { host, pf: "enp59s0f0" });
    const other = new virtkit.Qcow2Volume(uniq("other"), { host, pool: "default", size: "1GiB" });
    new virtkit.PinnedVm(uniq("vm"), { host, vcpus: 1, memory: { size: "1GiB" }, nics: [nic] }, { dependsOn: [other], transformations: [domain.transformation] });
    expect(domain.captured[0].opts.dependsOn).toEqual([nic.network, other]);
  });

  it("a volume's default name is checked before anything registers", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const long = `v${"x".repeat(60)}`;
    expect(() => new virtkit.Qcow2Volume(long, { host, pool: "default", size: "1GiB" })).toThrow(/name: .* is 67 characters long; at most 64/);
    await settle();
    expect(resources.some((r) => r.name === long)).toBe(false);
  });
});

describe("explicit NUMA bindings and placement", () => {
  const known = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices, reservedCpus: "0-1,32-33" });
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
  const known = () => new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri(), capabilities, devices });

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
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("lonely");
    new virtkit.PinnedVm(name, { host, vcpus: 1, pinning: { vcpus: ["2"] }, memory: { size: "1GiB" }, emulator: "dedicated", strictLocality: true });
    const planned = virtkit.plannedVms().find((v) => v.component === `PinnedVm "${name}"`)!;
    expect(planned.warnings).toEqual([expect.stringMatching(/^emulator: "dedicated" needs the host's capabilities/), expect.stringMatching(/^strictLocality: needs the host's devices/)]);
  });
});

describe("vhost-user NICs", () => {
  it("on shared hugepages: the domain gets the socket and shared memory, with no warning (a real up carries it)", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("dpdk");
    const domain = captureChildren("libvirt:index/domain:Domain");
    new virtkit.PinnedVm(name, {
      host, vcpus: 2, pinning: { vcpus: ["2", "3"] },
      memory: new virtkit.HugepageMemory(uniq("mem"), { size: "2GiB", pageSize: "1GiB", shared: true }),
      nics: [{ type: "vhostuser", path: "/var/run/openvswitch/vhu0", mode: "server" }],
    }, { transformations: [domain.transformation] });
    // the provider never reads `dev` back (libvirt has none): ignored, or every up would restart the VM
    expect(domain.byName(name)?.opts.ignoreChanges).toEqual(["devices.interfaces[0].source.vhostUser.dev"]);
    const d = await registration(resources, "libvirt:index/domain:Domain", name);
    expect(d.inputs.memoryBacking.memoryAccess).toEqual({ mode: "shared" });
    expect(d.inputs.devices.interfaces).toEqual([
      { source: { vhostUser: { dev: "/var/run/openvswitch/vhu0", chardev: { unix: { path: "/var/run/openvswitch/vhu0", mode: "server" } } } }, model: { type: "virtio" }, driver: { queues: 2 } },
    ]);
    const planned = virtkit.plannedVms().find((v) => v.component === `PinnedVm "${name}"`)!;
    expect(planned.warnings).toEqual([]);
  });

  it("on hugepages that are not shared: refused, naming the NIC and the memory, before anything registers", async () => {
    const host = new virtkit.LibvirtHost(uniq("hv"), { uri: uniqueUri() });
    const name = uniq("dpdk");
    const before = domains().length;
    const memory = new virtkit.HugepageMemory(uniq("mem"), { size: "2GiB", pageSize: "1GiB" });
    let error: InstanceType<typeof virtkit.VirtkitValidationError> | undefined;
    try {
      new virtkit.PinnedVm(name, { host, vcpus: 2, memory, nics: [{ type: "network", network: "default" }, { type: "vhostuser", path: "/run/vhu1" }] });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error).toBeInstanceOf(virtkit.VirtkitValidationError);
    expect(error!.issues).toEqual([{ path: "nics[1]", reason: expect.stringMatching(/vhost-user NIC needs the guest's memory on shared hugepages.*memory a HugepageMemory with shared: true/) }]);
    await settle();
    expect(domains().length).toBe(before);
    // with shared hugepages the same NIC is taken
    expect(() => new virtkit.PinnedVm(uniq("dpdk"), { host, vcpus: 2, memory: new virtkit.HugepageMemory(uniq("mem"), { size: "2GiB", pageSize: "1GiB", shared: true }), nics: [{ type: "vhostuser", path: "/run/vhu1" }] })).not.toThrow();
  });
});
