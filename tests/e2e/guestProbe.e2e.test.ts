import { execFileSync, spawnSync } from "node:child_process";
import { statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildProbeInitramfs, buildSeedIso, describeWithGuest, freeSubnet, moduleLoadOrder, type ProbeReport, probeCmdline, probeKernel, probeKernelImage, readProbe } from "../support/probeGuest";
import { hostHasKvm, scratchDir, virsh } from "../support/libvirt";

/**
 * The probe guest on plain libvirt XML (no virtkit component yet): Debian's kernel booted
 * directly with the probe's initramfs in a transient q35 domain of known shape, and every
 * fact the guest prints compared with what the XML gave it. Then a live grow of a disk,
 * which the guest sees without a reboot. Proves the probe before suites rely on it.
 */
const uri = "qemu:///system";
const tag = `vk-probe-${process.pid}`;
const MiB = 1024 * 1024;
const BOOT = 240_000;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/'/g, "&apos;");

describeWithGuest(
  "the probe guest reports what a plain libvirt domain gives it",
  () => {
    const dir = scratchDir();
    // a bridge name of at most 15 characters, unique to this process
    const bridge = `vkp${process.pid % 1_000_000}`;
    const mac = `52:54:00:9b:${((process.pid >> 8) & 0xff).toString(16).padStart(2, "0")}:${(process.pid & 0xff).toString(16).padStart(2, "0")}`;
    const sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOlq0EhO3YhTkW4kB4zW8B1o6Hq3t0Yc2Pq1wq7bqk2v probe@virtkit";
    const disks = { qcow2: { file: join(dir, "overlay.qcow2"), bytes: 64 * MiB, serial: "vk-qcow2" }, raw: { file: join(dir, "data.raw"), bytes: 32 * MiB, serial: "vk-raw" } };
    const grownBytes = 48 * MiB;
    const cells = [
      { cpus: "0-1", mib: 256 },
      { cpus: "2-3", mib: 256 },
    ];
    let subnet = "";
    let seedIso = "";
    let createdAt = 0;
    let first: ProbeReport;

    beforeAll(() => {
      const kernel = probeKernel()!;
      const initrd = buildProbeInitramfs(kernel);
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disks.qcow2.file, String(disks.qcow2.bytes)]);
      writeFileSync(disks.raw.file, "");
      truncateSync(disks.raw.file, disks.raw.bytes);
      seedIso = buildSeedIso(dir, {
        metaData: `instance-id: ${tag}\nlocal-hostname: probe-${process.pid}\n`,
        userData: `#cloud-config\nssh_authorized_keys:\n  - ${sshKey}\n`,
      });

      subnet = freeSubnet(uri);
      const network = join(dir, "network.xml");
      writeFileSync(
        network,
        `<network><name>${tag}</name><forward mode='nat'/><bridge name='${bridge}' stp='off'/>` +
          `<ip address='${subnet}.1' netmask='255.255.255.0'><dhcp><range start='${subnet}.100' end='${subnet}.199'/></dhcp></ip></network>`,
      );
      virsh(uri, [`net-create ${network}`]);

      const domain = join(dir, "domain.xml");
      writeFileSync(
        domain,
        `<domain type='${hostHasKvm() ? "kvm" : "qemu"}'>
  <name>${tag}</name>
  <memory unit='MiB'>${cells.reduce((s, c) => s + c.mib, 0)}</memory>
  <vcpu>4</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>${esc(probeKernelImage(kernel))}</kernel>
    <initrd>${esc(initrd)}</initrd>
    <cmdline>${probeCmdline({ mode: "wait", interval: 1 })}</cmdline>
  </os>
  <!-- kvm64, not TCG's default qemu64: that one is an AMD model without topoext, whose
       guest counts SMT threads as cores -->
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>kvm64</model>
    <topology sockets='2' dies='1' cores='1' threads='2'/>
    <numa>${cells.map((c, i) => `<cell id='${i}' cpus='${c.cpus}' memory='${c.mib}' unit='MiB'/>`).join("")}</numa>
  </cpu>
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${esc(disks.qcow2.file)}'/><target dev='vda' bus='virtio'/><serial>${disks.qcow2.serial}</serial></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${esc(disks.raw.file)}'/><target dev='vdb' bus='virtio'/><serial>${disks.raw.serial}</serial></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${esc(seedIso)}'/><target dev='sda' bus='sata'/><readonly/></disk>
    <interface type='network'><source network='${tag}'/><mac address='${mac}'/><model type='virtio'/><driver queues='2'/></interface>
    <serial type='file'><source path='${esc(join(dir, "serial.log"))}'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>`,
      );
      createdAt = Date.now();
      virsh(uri, [`create ${domain}`]);
    }, 120_000);

    afterAll(() => {
      // whatever a failed step left: the transient domain and network vanish when stopped
      spawnSync("virsh", ["-q", "-c", uri, "destroy", tag]);
      spawnSync("virsh", ["-q", "-c", uri, "net-destroy", tag]);
    });

    it(
      "prints its report on the serial console",
      async () => {
        first = await readProbe({ uri, domain: tag }, BOOT);
        const seconds = (Date.now() - createdAt) / 1000;
        console.log(`probe line ${seconds.toFixed(1)} s after virsh create (guest uptime ${first.uptime} s: init ${first.timings.init}, modules ${first.timings.modules}, dhcp ${first.timings.dhcp}) on ${hostHasKvm() ? "KVM" : "TCG"}`);
        expect(first.seq).toBe(1);
        expect(first.kernel).toBe(probeKernel()!.version);
        expect(first.modulesLoaded).toBe(moduleLoadOrder(probeKernel()!.modulesDir).length);
      },
      BOOT + 10_000,
    );

    it("sees 4 vCPUs as 2 sockets x 1 core x 2 threads", () => {
      expect(first.cpus).toMatchObject({ online: "0-3", count: 4, sockets: 2, coresPerSocket: 1, threadsPerCore: 2 });
      expect(first.cpus.list.map((c) => [c.cpu, c.package, c.threadSiblings])).toEqual([
        [0, 0, "0-1"],
        [1, 0, "0-1"],
        [2, 1, "2-3"],
        [3, 1, "2-3"],
      ]);
    });

    it("sees the two NUMA cells with their CPUs and memory", () => {
      expect(first.numa.map((n) => [n.node, n.cpus])).toEqual(cells.map((c, i) => [i, c.cpus]));
      first.numa.forEach((n, i) => {
        // memory blocks (hotplug sections) count what the cell has, before the kernel takes its share
        expect(n.memoryBlocks * n.memoryBlockBytes).toBe(cells[i].mib * MiB);
        expect(n.memTotalKiB).toBeLessThanOrEqual(cells[i].mib * 1024);
        expect(n.memTotalKiB).toBeGreaterThan(cells[i].mib * 1024 * 0.7);
      });
    });

    it("sees the domain's memory, the cells' sum", () => {
      const total = cells.reduce((s, c) => s + c.mib, 0) * 1024;
      expect(first.memTotalKiB).toBe(first.numa.reduce((s, n) => s + n.memTotalKiB, 0));
      expect(first.memTotalKiB).toBeLessThanOrEqual(total);
      expect(first.memTotalKiB).toBeGreaterThan(total * 0.8);
    });

    it("sees the qcow2 and the raw disk at their virtual sizes, by serial, and the seed as a read-only CD-ROM", () => {
      const byName = Object.fromEntries(first.blocks.map((b) => [b.name, b]));
      expect(Object.keys(byName).sort()).toEqual(["sr0", "vda", "vdb"]);
      expect(byName.vda).toMatchObject({ bytes: disks.qcow2.bytes, serial: disks.qcow2.serial, readonly: false });
      expect(byName.vdb).toMatchObject({ bytes: disks.raw.bytes, serial: disks.raw.serial, readonly: false });
      expect(byName.sr0).toMatchObject({ bytes: statSync(seedIso).size, readonly: true, removable: true });
    });

    it("sees the virtio NIC with its MAC and 2 queue pairs, and the lease the network gave it", () => {
      expect(first.nics).toHaveLength(1);
      const nic = first.nics[0];
      expect(nic).toMatchObject({ mac, rxQueues: 2, txQueues: 2, driver: "virtio_net" });
      expect(nic.dhcpAddress).toMatch(new RegExp(`^${subnet.replace(/\./g, "\\.")}\\.(1\\d\\d)$`));
      const leases = virsh(uri, [`net-dhcp-leases ${tag}`]);
      const lease = leases.split("\n").find((l) => l.includes(mac));
      expect(lease).toContain(`${nic.dhcpAddress}/24`);
    });

    it("reads the host name and the SSH key from the NoCloud seed", () => {
      expect(first.cdroms).toEqual([
        {
          device: "sr0",
          label: "cidata",
          files: ["meta-data", "user-data"],
          localHostname: `probe-${process.pid}`,
          userDataFirstLine: "#cloud-config",
          sshKeys: [sshKey],
        },
      ]);
    });

    it(
      "sees a disk grown while it runs, without a reboot",
      async () => {
        virsh(uri, [`blockresize ${tag} vdb ${grownBytes}B`]);
        const after = await readProbe({ uri, domain: tag }, 60_000, (r) => r.seq > first.seq);
        expect(after.blocks.find((b) => b.name === "vdb")?.bytes).toBe(grownBytes);
        expect(after.blocks.find((b) => b.name === "vda")?.bytes).toBe(disks.qcow2.bytes);
        // the same boot: the guest's clock ran on
        expect(after.uptime).toBeGreaterThan(first.uptime);
        expect(after.timings).toEqual(first.timings);
      },
      70_000,
    );
  },
  { seedIso: true },
);
