import { renderVm } from "../../sdk/src/render";
import { argValues, describeWith, hostHasKvm, jsonArgs, mountedHugepageSizes, qemuArgv, tempXml, virsh, virtXmlValidate } from "../support/libvirt";
import { domainOf, placementFacts, type Node } from "../support/domainFacts";
import { legacyInput, nfvInput, vmSpec } from "../support/vms";

const cases = {
  "q35 NFV guest": () => renderVm(vmSpec(nfvInput())),
  "i440fx legacy guest": () => renderVm(vmSpec(legacyInput())),
};

describeWith("virtXmlValidate", "rendered domains against libvirt's RelaxNG schema", () => {
  it.each(Object.entries(cases))("%s validates", (_name, render) => {
    const result = virtXmlValidate(render().xml, "domain");
    expect(result.output).toContain("validates");
    expect(result.ok).toBe(true);
  });
});

describeWith("virtXmlValidate", "rendered NIC kinds against libvirt's schema", () => {
  it.each([
    { type: "network" as const, network: "default", model: "e1000" as const },
    { type: "bridge" as const, bridge: "br0", model: "rtl8139" as const, mac: "52:54:00:00:00:01" },
    { type: "vf" as const, address: "0000:3b:02.1", vlan: 7, trust: true },
    { type: "hostdev-network" as const, network: "sriov-enp59s0f0", mac: "52:54:00:00:00:02", vlan: 100, trust: true },
  ])("a $type NIC validates", (nic) => {
    const { xml } = renderVm(vmSpec({ name: "nic-kinds", vcpus: 1, memory: { size: "256MiB" }, nics: [nic] }));
    expect(virtXmlValidate(xml, "domain").output).toContain("validates");
  });
});

describeWith("virsh", "rendered domains on libvirt's test hypervisor", () => {
  it.each(Object.entries(cases))("%s defines, starts and reads back every placement fact", (_name, render) => {
    const { xml, model } = render();
    const out = virsh("test:///default", [`define ${tempXml(xml)}`, `start ${model.name}`, `dumpxml ${model.name}`]);
    const live = out.slice(out.indexOf("<domain"));
    const ours = placementFacts(domainOf(xml));
    expect(placementFacts(domainOf(live))).toEqual(ours);
    // the comparison above must not be vacuous
    expect(ours.vcpupins.length).toBe(model.vcpus);
    expect(ours.hugepages).toHaveLength(1);
    expect(ours.expanders.length).toBeGreaterThan(0);
    expect(ours.hostdevs.length).toBeGreaterThan(0);
    if (model.name === "nfv-a") expect(ours.vfs.map((v: Node) => [v.vlan, v.trust])).toEqual([["100", "yes"]]);
  });

  it("reads back exactly what the NFV spec asked for, element by element", () => {
    // Written from the spec (tests/support/vms.ts), not from the renderer: dropping any
    // pinning, hugepage, NUMA or device element makes this fail.
    const out = virsh("test:///default", [`define ${tempXml(renderVm(vmSpec(nfvInput())).xml)}`, "start nfv-a", "dumpxml nfv-a"]);
    const facts = placementFacts(domainOf(out.slice(out.indexOf("<domain"))));
    expect(facts).toEqual({
      vcpupins: [
        { vcpu: "0", cpuset: "2" },
        { vcpu: "1", cpuset: "3" },
        { vcpu: "2", cpuset: "10" },
        { vcpu: "3", cpuset: "11" },
      ],
      emulatorpin: "0-1",
      iothreadpins: [{ iothread: "1", cpuset: "1" }],
      vcpusched: [1, 2, 3].map((vcpu) => ({ vcpu, scheduler: "fifo", priority: "10" })),
      hugepages: [{ size: "1048576", unit: "KiB", nodeset: undefined }],
      locked: true,
      nosharepages: true,
      numatuneMemory: undefined,
      memnodes: [
        { cellid: "0", mode: "strict", nodeset: "0" },
        { cellid: "1", mode: "strict", nodeset: "1" },
      ],
      cells: [
        { id: "0", cpus: "0-1", memory: "2097152", memAccess: undefined },
        { id: "1", cpus: "2-3", memory: "2097152", memAccess: "shared" },
      ],
      topology: { "@_sockets": "2", "@_dies": "1", "@_cores": "1", "@_threads": "2" },
      features: [{ policy: "require", name: "invtsc" }],
      hostdevs: [{ "@_domain": "0x0000", "@_bus": "0xaf", "@_slot": "0x00", "@_function": "0x0", "@_type": undefined }],
      vfs: [{ address: { "@_type": "pci", "@_domain": "0x0000", "@_bus": "0x3b", "@_slot": "0x02", "@_function": "0x1" }, mac: "52:54:00:aa:00:02", vlan: "100", trust: "yes" }],
      expanders: [
        { model: "pcie-expander-bus", index: "1", busNr: "240", node: "0" },
        { model: "pcie-expander-bus", index: "2", busNr: "224", node: "1" },
      ],
    });
  });

  it("vcpupin on the running test domain reports the pinned host CPUs", () => {
    const { xml } = renderVm(vmSpec({ ...nfvInput(), name: "pinned-c", pinning: { vcpus: ["2", "3", "6", "7"], emulator: "0-1", iothreads: ["1"] } }));
    const out = virsh("test:///default", [`define ${tempXml(xml)}`, "start pinned-c", "vcpupin pinned-c", "emulatorpin pinned-c", "iothreadinfo pinned-c"]);
    const pins = [...out.matchAll(/^\s*(\d+)\s+(\S+)\s*$/gm)].map((m) => [Number(m[1]), m[2]]);
    expect(pins.slice(0, 4)).toEqual([
      [0, "2"],
      [1, "3"],
      [2, "6"],
      [3, "7"],
    ]);
    expect(out).toMatch(/^0-1$/m); // emulatorpin (virsh -q prints the bare cpuset)
  });
});

describeWith("qemuDaemon", "rendered domains through the real QEMU driver (domxml-to-native)", () => {
  // This machine has no VFIO, so QEMU's command line cannot be built for passed-through
  // devices; they are left out here (the schema and the test driver judge them above).
  const withoutPassthrough = (xml: string) =>
    xml.replace(/<hostdev [\s\S]*?<\/hostdev>\n/g, "").replace(/<interface type="hostdev"[\s\S]*?<\/interface>\n/g, "");

  // What a host lacks is refused in libvirt's words; the rest of the NFV domain is then
  // judged with what this host has, so every machine checks the memory and PCI layout.
  const kvm = hostHasKvm();
  const has1G = mountedHugepageSizes().includes(1024 ** 2);

  it(`q35: hugepage backends per cell bound to their host node, SMT topology, q35 machine, pxb-pcie per guest node (${kvm ? "KVM" : "TCG"}, ${has1G ? "1 GiB" : "2 MiB"} pages)`, () => {
    const nfv = nfvInput(0);
    const onThisHost = has1G ? nfv : { ...nfv, memory: { size: "4GiB", hugepages: { pageSize: "2MiB" as const }, locked: true, nosharepages: true } };
    const argv = qemuArgv(withoutPassthrough(renderVm(vmSpec(onThisHost)).xml));
    expect(argValues(argv, "-machine")[0]).toMatch(/^pc-q35-/);
    expect(argValues(argv, "-accel")).toEqual([kvm ? "kvm" : "tcg"]);
    expect(argValues(argv, "-smp")).toEqual(["4,sockets=2,dies=1,cores=1,threads=2"]);
    // host-passthrough; without KVM judged as its TCG counterpart, features kept
    expect(argValues(argv, "-cpu")[0]).toMatch(kvm ? /^host,.*invtsc=on/ : /^max,.*invtsc=on/);
    const backends = jsonArgs(argv, "-object").filter((o) => o["qom-type"] === "memory-backend-file");
    expect(backends.map((b) => [b.id, b.size, b["host-nodes"], b.policy])).toEqual([
      ["ram-node0", 2 * 1024 ** 3, [0], "bind"],
      ["ram-node1", 2 * 1024 ** 3, [0], "bind"],
    ]);
    for (const b of backends) expect(b["mem-path"]).toMatch(has1G ? /^\/dev\/hugepages1G\// : /^\/dev\/hugepages\//);
    expect(backends[1].share).toBe(true);
    expect(argValues(argv, "-numa")).toEqual(["node,nodeid=0,cpus=0-1,memdev=ram-node0", "node,nodeid=1,cpus=2-3,memdev=ram-node1"]);
    const pxbs = jsonArgs(argv, "-device").filter((d) => d.driver === "pxb-pcie");
    expect(pxbs.map((p) => [p.bus_nr, p.numa_node])).toEqual([
      [240, 0],
      [224, 1],
    ]);
    expect(argv).toContain("mem-lock=on");
    expect(jsonArgs(argv, "-object").some((o) => o["qom-type"] === "iothread" && o.id === "iothread1")).toBe(true);
  });

  it(`the NFV domain as written: ${has1G ? "this host builds it" : "libvirt names the 1 GiB pages this host lacks"}`, () => {
    const build = () => qemuArgv(withoutPassthrough(renderVm(vmSpec(nfvInput(0))).xml));
    if (has1G) expect(argValues(build(), "-accel")).toEqual([kvm ? "kvm" : "tcg"]);
    else expect(build).toThrow(/Unable to find any usable hugetlbfs mount for 1048576 KiB/);
  });

  it("i440fx: pc machine, 2 MiB pages on cell 0 only, interleave policy, pxb with its numa_node", () => {
    const argv = qemuArgv(withoutPassthrough(renderVm(vmSpec(legacyInput())).xml));
    expect(argValues(argv, "-machine")[0]).toMatch(/^pc-i440fx-/);
    expect(argValues(argv, "-cpu")[0]).toMatch(/^qemu64,sse4.2=on,svm=off/);
    const backends = jsonArgs(argv, "-object").filter((o) => /^memory-backend/.test(String(o["qom-type"])));
    expect(backends.map((b) => [b["qom-type"], b.id, b.policy])).toEqual([
      ["memory-backend-file", "ram-node0", "interleave"],
      ["memory-backend-ram", "ram-node1", "interleave"],
    ]);
    expect(backends[0]["mem-path"]).toMatch(/^\/dev\/hugepages\//);
    const pxbs = jsonArgs(argv, "-device").filter((d) => d.driver === "pxb");
    expect(pxbs.map((p) => [p.bus_nr, p.numa_node])).toEqual([[100, 0]]);
  });

  it("builds a 2 MiB hugepage backend for an unpinned guest from the hugetlbfs mount", () => {
    const vm = vmSpec({ name: "huge-16g", vcpus: 1, memory: { size: "32MiB", hugepages: { pageSize: "2MiB" } } });
    // positive control: with the 2 MiB mount that CI makes, it builds
    expect(argValues(qemuArgv(renderVm(vm).xml), "-object").join(" ")).toMatch(/memory-backend-file/);
  });
});

describeWith("virtXmlValidate", "the guest CPU a domain gets when none is named", () => {
  it.each([
    ["kvm", "host-passthrough"],
    ["qemu", "maximum"],
  ] as const)("a %s domain gets %s, which libvirt's schema accepts", (domainType, mode) => {
    const { xml } = renderVm(vmSpec({ name: `cpu-${domainType}`, vcpus: 1, memory: { size: "64MiB" }, domainType }));
    expect(domainOf(xml).cpu["@_mode"]).toBe(mode);
    expect(virtXmlValidate(xml, "domain").output).toContain("validates");
  });
});

/** Disks on each bus, with the cache, I/O and discard modes a performance-minded operator picks. */
const diskInput = () =>
  vmSpec({
    name: "disk-buses",
    vcpus: 4,
    domainType: "qemu",
    memory: { size: "256MiB" },
    iothreads: 1,
    disks: [
      { source: { file: "/var/lib/libvirt/images/root.qcow2" }, iothread: 1 },
      { source: { file: "/var/lib/libvirt/images/data.qcow2" }, bus: "scsi" },
      { source: { file: "/var/lib/libvirt/images/logs.qcow2" }, bus: "scsi", cache: "writeback", io: "threads", discard: "ignore" },
      { source: { file: "/var/lib/libvirt/images/legacy.qcow2" }, bus: "sata" },
    ],
  });

describeWith("virsh", "disk buses and tuning on libvirt's schema and test hypervisor", () => {
  it("validates, defines and starts, and libvirt keeps every disk's bus, target and driver modes", () => {
    const { xml } = renderVm(diskInput());
    expect(virtXmlValidate(xml, "domain").output).toContain("validates");
    const out = virsh("test:///default", [`define ${tempXml(xml)}`, "start disk-buses", "dumpxml disk-buses"]);
    const live = domainOf(out.slice(out.indexOf("<domain")));
    const disks = (live.devices.disk as Node[]).map((d) => [d.target["@_dev"], d.target["@_bus"], d.driver["@_cache"], d.driver["@_io"], d.driver["@_discard"]]);
    expect(disks).toEqual([
      ["vda", "virtio", "none", "native", "unmap"],
      ["sda", "scsi", "none", "native", "unmap"],
      ["sdb", "scsi", "writeback", "threads", "ignore"],
      ["sdc", "sata", "none", "native", "unmap"],
    ]);
    const scsi = (live.devices.controller as Node[]).find((c) => c["@_type"] === "scsi");
    expect([scsi?.["@_model"], scsi?.driver?.["@_queues"]]).toEqual(["virtio-scsi", "4"]);
  });
});

describeWith("qemuDaemon", "disk buses and tuning through the real QEMU driver", () => {
  it("builds virtio-blk with O_DIRECT, native AIO and unmap, a virtio-scsi controller with a queue per vCPU, and AHCI for sata", () => {
    const argv = qemuArgv(renderVm(diskInput()).xml);
    const blockdevs = jsonArgs(argv, "-blockdev") as Node[];
    // the file node does the I/O; the format node above it carries the guest's discard
    const nodes = (file: string) => {
      const storage = blockdevs.find((b) => b.filename === file)!;
      return { storage, format: blockdevs.find((b) => b.file === storage["node-name"])! };
    };
    const root = nodes("/var/lib/libvirt/images/root.qcow2");
    expect([root.storage.aio, root.storage.cache, root.format.discard]).toEqual(["native", { direct: true, "no-flush": false }, "unmap"]);
    const logs = nodes("/var/lib/libvirt/images/logs.qcow2");
    expect([logs.storage.aio, logs.storage.cache, logs.format.discard]).toEqual(["threads", { direct: false, "no-flush": false }, "ignore"]);
    const devices = jsonArgs(argv, "-device");
    expect(devices.find((d) => d.driver === "virtio-scsi-pci")).toMatchObject({ num_queues: 4 });
    expect(devices.filter((d) => d.driver === "scsi-hd")).toHaveLength(2);
    expect(devices.find((d) => d.driver === "ide-hd")).toBeDefined();
    expect(devices.find((d) => d.driver === "virtio-blk-pci")).toMatchObject({ iothread: "iothread1" });
  });
});

describeWith("virsh", "virtio multiqueue NICs on libvirt's schema and test hypervisor", () => {
  const nics = [
    { type: "network" as const, network: "default" },
    { type: "bridge" as const, bridge: "br0", queues: 2 },
    { type: "network" as const, network: "default", model: "e1000" as const },
  ];
  const queuesOf = (xml: string, name: string) => {
    const out = virsh("test:///default", [`define ${tempXml(xml)}`, `start ${name}`, `dumpxml ${name}`]);
    return (domainOf(out.slice(out.indexOf("<domain"))).devices.interface as Node[]).map((i) => i.driver?.["@_queues"]);
  };

  it("a pinned VM's virtio NICs get a queue per vCPU unless they say otherwise; emulated NICs get none", () => {
    const { xml } = renderVm(vmSpec({ name: "mq-pinned", vcpus: 4, domainType: "qemu", memory: { size: "256MiB" }, pinning: { vcpus: ["0", "1", "2", "3"] }, nics }));
    expect(virtXmlValidate(xml, "domain").output).toContain("validates");
    expect(queuesOf(xml, "mq-pinned")).toEqual(["4", "2", undefined]);
  });

  it("an unpinned VM's virtio NICs keep one queue unless asked", () => {
    const { xml } = renderVm(vmSpec({ name: "mq-unpinned", vcpus: 4, domainType: "qemu", memory: { size: "256MiB" }, nics }));
    expect(queuesOf(xml, "mq-unpinned")).toEqual([undefined, "2", undefined]);
  });
});
