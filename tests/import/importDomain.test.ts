import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareScopeFacts, DomainImportError, emitProgram, importDomain, scopeFacts } from "../../sdk/src/import";
import { importSummary, parseImportArgs } from "../../sdk/src/cli/import/importCommand";
import { VmSpec } from "../../sdk/src/schema/vm";

/** A KVM guest as `virsh dumpxml --inactive` prints it: everything virtkit can say, and a serial port and VNC it cannot. */
const nfvGuest = readFileSync(join(__dirname, "..", "fixtures", "import", "nfv-guest.xml"), "utf8");

const minimal = (body: string, type = "kvm") =>
  `<domain type='${type}'><name>m</name><uuid>0b7c1e2a-1111-2222-3333-444455556666</uuid><memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>${body}</domain>`;

describe("virtkit import: a domain's XML as a virtkit VM", () => {
  const vm = importDomain(nfvGuest);

  it("keeps the domain's name and UUID, the provider's import id", () => {
    expect(vm.domainName).toBe("nfv-guest");
    expect(vm.uuid).toBe("6f1c2a4e-3b7d-4c2a-9e51-0a8d2f4b7c19");
  });

  it("turns vcpupin, emulatorpin and iothreadpin into explicit pinning", () => {
    expect(vm.spec.pinning).toEqual({ vcpus: ["4", "36", "5", "37"], emulator: "0-1", iothreads: ["0-1"] });
    expect(vm.spec.iothreads).toBe(1);
  });

  it("reads the CPU mode, topology and features, and the guest NUMA cells with their numatune", () => {
    expect(vm.spec.cpu).toEqual({ mode: "host-passthrough", check: "none", features: [{ name: "invtsc", policy: "disable" }], topology: { sockets: 1, dies: 1, cores: 2, threads: 2 } });
    expect(vm.spec.numa).toEqual({
      cells: [{ cpus: "0-1", memory: "2GiB" }, { cpus: "2-3", memory: "2GiB" }],
      mode: "strict",
      hostNodes: "0-1",
      memnodes: [{ cell: 0, mode: "strict", hostNodes: "0" }, { cell: 1, mode: "strict", hostNodes: "1" }],
    });
  });

  it("says memory on one page size as a HugepageMemory", () => {
    expect(vm.hugepageMemory).toEqual({ size: "4GiB", pageSize: "1GiB", locked: true });
  });

  it("reads disks, NICs, the SR-IOV VF and the passed-through device", () => {
    expect(vm.spec.disks).toEqual([
      { source: { file: "/var/lib/libvirt/images/nfv-guest-root.qcow2" }, target: "vda", bus: "virtio", format: "qcow2", cache: "none", io: "native", discard: "unmap", iothread: 1 },
      { source: { pool: "default", volume: "nfv-guest-data" }, target: "sda", bus: "scsi", format: "raw", cache: "writeback", io: "threads" },
    ]);
    expect(vm.spec.nics).toEqual([
      { type: "network", network: "default", mac: "52:54:00:6b:3c:01", model: "virtio", queues: 4 },
      { type: "bridge", bridge: "br0", mac: "52:54:00:6b:3c:02", model: "e1000e" },
      { type: "vf", address: "0000:3b:02.1", mac: "52:54:00:6b:3c:03", vlan: 100, trust: true },
    ]);
    expect(vm.spec.hostdevs).toEqual([{ address: "0000:d8:00.0", managed: true }]);
  });

  it("reads a direct kernel boot (<os><kernel>/<initrd>/<cmdline>) as boot, and writes it in the program", () => {
    const os = "<os><type arch='x86_64' machine='q35'>hvm</type><kernel>/srv/vmlinux</kernel><initrd>/srv/initrd.img</initrd><cmdline>console=ttyS0 root=/dev/vda1</cmdline></os>";
    const booted = importDomain(minimal("").replace(/<os>.*<\/os>/, os));
    expect(booted.spec.boot).toEqual({ kernel: "/srv/vmlinux", initrd: "/srv/initrd.img", cmdline: "console=ttyS0 root=/dev/vda1" });
    expect(booted.notImported.filter((n) => n.element.startsWith("os/"))).toEqual([]);
    expect(booted.invalid).toEqual([]);
    expect(emitProgram([booted], { source: "m.xml", uri: "qemu:///system" })).toContain('boot: { kernel: "/srv/vmlinux", initrd: "/srv/initrd.img", cmdline: "console=ttyS0 root=/dev/vda1" }');
    // an initrd without a kernel boots nothing: said, not imported
    const stray = importDomain(minimal("").replace(/<os>.*<\/os>/, "<os><type arch='x86_64' machine='q35'>hvm</type><initrd>/srv/initrd.img</initrd></os>"));
    expect(stray.spec.boot).toBeUndefined();
    expect(stray.notImported).toContainEqual(expect.objectContaining({ element: "os/initrd" }));
  });

  it("reads a versioned q35 machine as q35 and says so, and firmware='efi' as efi", () => {
    expect(vm.spec.chipset).toBe("q35");
    expect(vm.spec.firmware).toBe("efi");
    expect(vm.changed).toContainEqual(expect.objectContaining({ area: "chipset", element: "os/type@machine" }));
  });

  it("is a spec virtkit accepts", () => {
    expect(vm.invalid).toEqual([]);
    expect(VmSpec.safeParse(vm.spec).success).toBe(true);
  });

  it("lists what virtkit cannot say, with the reason, instead of dropping it", () => {
    expect(vm.notImported.map((n) => n.element)).toEqual(expect.arrayContaining(["devices/emulator[/usr/bin/qemu-system-x86_64]", "devices/controller[pci pcie-root]"]));
    expect(vm.notImported.find((n) => n.element === "devices/controller[pci pcie-root]")?.reason).toBe("libvirt adds its default controllers itself");
  });

  it("keeps the serial console and the VNC display, saying the address virtkit gives it", () => {
    expect(vm.spec.serialConsole).toBe(true);
    expect(vm.spec.graphics).toEqual({ type: "vnc" });
    expect(vm.changed).toContainEqual(expect.objectContaining({ element: "devices/graphics[vnc]@listen" }));
  });

  it("lists CPU bandwidth, unknown elements and partial pinning as not imported", () => {
    const v = importDomain(minimal("<cputune><shares>2048</shares><vcpupin vcpu='0' cpuset='1'/></cputune><seclabel type='none'/>"));
    expect(v.notImported).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ element: "cputune/shares", area: "other" }),
        expect.objectContaining({ element: "cputune/vcpupin", area: "pinning", reason: expect.stringMatching(/vCPU 1 is unpinned while others are pinned/) }),
        expect.objectContaining({ element: "seclabel" }),
      ]),
    );
    expect(v.spec.pinning).toBeUndefined();
  });

  it("pins every vCPU and the emulator to <vcpu cpuset> when there is no vcpupin, as libvirt does", () => {
    const v = importDomain(minimal("").replace("<vcpu>2</vcpu>", "<vcpu cpuset='2-3'>2</vcpu>"));
    expect(v.spec.pinning).toEqual({ vcpus: ["2-3", "2-3"], emulator: "2-3" });
  });

  it("names QEMU's default model when the domain has no <cpu>", () => {
    const v = importDomain(minimal(""));
    expect(v.spec.cpu).toEqual({ mode: "custom", model: "qemu64" });
    expect(v.changed).toContainEqual(expect.objectContaining({ area: "cpu", element: "cpu" }));
  });

  it("refuses what is no QEMU/KVM x86_64 domain", () => {
    expect(() => importDomain(minimal("", "xen"))).toThrow(DomainImportError);
    expect(() => importDomain(minimal("", "xen"))).toThrow(/type 'xen' is not a QEMU\/KVM domain/);
    expect(() => importDomain("<network/>")).toThrow(/no <domain> element/);
  });

  it("reports a spec virtkit refuses (cells on partial 1 GiB pages) with virtkit's reason", () => {
    const v = importDomain(
      minimal("<memoryBacking><hugepages><page size='1' unit='GiB'/></hugepages></memoryBacking><cpu><numa><cell id='0' cpus='0' memory='512' unit='MiB'/><cell id='1' cpus='1' memory='512' unit='MiB'/></numa></cpu>"),
    );
    expect(v.invalid.map((i) => i.path)).toContain("numa.cells[0].memory");
  });
});

describe("virtkit import: block devices, macvtap, vhost-user and Open vSwitch", () => {
  const vm = importDomain(readFileSync(join(__dirname, "..", "fixtures", "import", "edge-guest.xml"), "utf8"));

  it("reads a block device disk and a SATA file", () => {
    expect(vm.spec.disks).toEqual([
      { source: { device: "/dev/vg0/edge-root" }, target: "vda", bus: "virtio", format: "raw", cache: "directsync", io: "native", discard: "ignore" },
      { source: { file: "/var/lib/libvirt/images/edge-logs.qcow2" }, target: "sda", bus: "sata", format: "qcow2", cache: "none", io: "io_uring", discard: "unmap", readonly: true },
    ]);
  });

  it("reads macvtap, vhost-user and an Open vSwitch port with its interface id", () => {
    expect(vm.spec.nics).toEqual([
      { type: "direct", dev: "eth0", mode: "vepa", mac: "52:54:00:e0:00:01", model: "virtio", queues: 1 },
      { type: "vhostuser", path: "/var/run/openvswitch/vhu-edge0", mode: "server", mac: "52:54:00:e0:00:02", queues: 2 },
      { type: "bridge", bridge: "ovsbr0", mac: "52:54:00:e0:00:03", model: "virtio", queues: 1, virtualport: { type: "openvswitch", interfaceId: "0c3f6d8e-2a41-4b7c-9d05-7e1a3b5c9f20" } },
    ]);
  });

  it("says shared memfd hugepages as a shared HugepageMemory, which vhost-user needs", () => {
    expect(vm.hugepageMemory).toEqual({ size: "2GiB", pageSize: "2MiB", shared: true });
    expect(vm.invalid).toEqual([]);
  });

  it("lists a virtualport virtkit does not know", () => {
    const v = importDomain(minimal("<devices><interface type='bridge'><source bridge='br0'/><virtualport type='802.1Qbh'/></interface></devices>"));
    expect(v.notImported).toContainEqual(expect.objectContaining({ area: "nics", element: "devices/interface[0]/virtualport", reason: expect.stringMatching(/'802\.1Qbh'/) }));
  });
});

describe("the program virtkit import writes", () => {
  const vm = importDomain(nfvGuest);
  const program = emitProgram([vm], { uri: "qemu:///system", source: "nfv-guest.xml" });

  it("says to remove adopt after the first pulumi up, which a kept adopt would turn into a replacement", () => {
    expect(program).toContain("// Remove `adopt` after the first successful `pulumi up`: kept, a later `up` replaces the domain.");
  });

  it("declares the host, the memory, the VF, the device and the VM, adopted by UUID", () => {
    expect(program).toContain('const host = new virtkit.LibvirtHost("host", { uri: "qemu:///system" });');
    expect(program).toContain('new virtkit.HugepageMemory("nfv-guest-memory", { size: "4GiB", pageSize: "1GiB", locked: true })');
    expect(program).toContain('new virtkit.SriovNic("nfv-guest-nic2", { host, vf: { address: "0000:3b:02.1" }, mac: "52:54:00:6b:3c:03", vlan: 100, trust: true })');
    expect(program).toContain('new virtkit.PciPassthrough("nfv-guest-hostdev0", { host, address: "0000:d8:00.0" })');
    expect(program).toMatch(/new virtkit\.PinnedVm\("nfv-guest", \{\n {2}host,\n {2}adopt: \{ uuid: "6f1c2a4e-3b7d-4c2a-9e51-0a8d2f4b7c19" \},/);
    expect(program).toContain('pinning: { vcpus: ["4", "36", "5", "37"], emulator: "0-1", iothreads: ["0-1"] }');
  });

  it("puts each element it could not import in a comment at the VM", () => {
    expect(program).toContain("// not imported: devices/controller[pci pcie-root] (libvirt adds its default controllers itself)");
    expect(program.indexOf("// not imported: devices/controller[pci pcie-root]")).toBeLessThan(program.indexOf('new virtkit.PinnedVm("nfv-guest"'));
  });

  it("counts what was not imported, by element, for stderr", () => {
    const summary = importSummary([vm, importDomain(minimal("<devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>"))]);
    expect(summary).toMatch(/^virtkit import: 2 domains imported, \d+ elements not imported/);
    expect(summary).toMatch(/ {3}2 {2}devices\/emulator\n/);
  });
});

describe("the facts compared in the round trip", () => {
  it("agree for a domain and itself, and differ where a pin differs", () => {
    const facts = scopeFacts(nfvGuest);
    expect(compareScopeFacts(facts, facts).every((c) => c.agree)).toBe(true);
    const moved = scopeFacts(nfvGuest.replace("<vcpupin vcpu='3' cpuset='37'/>", "<vcpupin vcpu='3' cpuset='38'/>"));
    expect(compareScopeFacts(facts, moved).filter((c) => !c.agree).map((c) => c.area)).toEqual(["pinning"]);
  });

  it("read an unpinned vCPU as pinned where <vcpu cpuset> says, as libvirt runs it", () => {
    const explicit = scopeFacts(minimal("<cputune><vcpupin vcpu='0' cpuset='2-3'/><vcpupin vcpu='1' cpuset='2-3'/><emulatorpin cpuset='2-3'/></cputune>"));
    const viaCpuset = scopeFacts(minimal("").replace("<vcpu>2</vcpu>", "<vcpu cpuset='2-3'>2</vcpu>"));
    expect(explicit.pinning).toEqual(viaCpuset.pinning);
  });
});

describe("virtkit import's arguments", () => {
  it("take files, or a URI, and an output folder", () => {
    expect(parseImportArgs(["a.xml", "b.xml", "--out", "proj"])).toEqual({ files: ["a.xml", "b.xml"], hostUri: "qemu:///system", out: "proj" });
    expect(parseImportArgs(["--uri", "qemu+ssh://root@hv1/system"])).toEqual({ files: [], uri: "qemu+ssh://root@hv1/system", hostUri: "qemu+ssh://root@hv1/system" });
    expect(parseImportArgs(["--report", "corpus"])).toMatchObject({ report: "corpus" });
  });
  it("refuse nothing to import, or both files and a URI, with the usage", () => {
    expect(parseImportArgs([])).toMatch(/^give domain XML files or --uri URI\n\nusage: virtkit import/);
    expect(parseImportArgs(["a.xml", "--uri", "test:///default"])).toMatch(/not both/);
  });
});
