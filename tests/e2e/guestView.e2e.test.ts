import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { buildProbeInitramfs, describeWithGuest, freeSubnet, moduleLoadOrder, type ProbeReport, probeCmdline, probeKernel, probeKernelImage, readProbe } from "../support/probeGuest";
import { removePool, scratchDir, scratchPool, vcpuPins, virsh } from "../support/libvirt";
import { fidelity } from "./fidelity";

/**
 * What the guest sees, asked from inside a VM that virtkit made on the real engine (Pulumi,
 * the bridge, libvirt provider 0.9.7, this machine's libvirtd): a PinnedVm booting the probe
 * guest directly (`boot`), pinned, in two NUMA cells on 2 MiB hugepages, with a qcow2 overlay,
 * a raw data volume, a multiqueue NIC on a NAT VirtualNetwork with DHCP and a cloud-init seed.
 * The probe prints what it got on the serial console; every fact is compared with the spec.
 * Then the data volume grows under the running guest, which sees it without a reboot. And a
 * kernel path that does not exist fails `pulumi up` with libvirt's message, leaving no domain.
 *
 * One VM, one `up`, one grow `up`, one destroy: the suite boots Linux under TCG where there
 * is no KVM, on a 2-core CI machine.
 */
const uri = "qemu:///system";
const tag = `vk-gv-${process.pid}`;
const STEP = 15 * 60 * 1000;
const BOOT = 300_000;
const MiB = 1024 * 1024;

/** The spec the program is written from, and the test compares the guest with. */
const spec = {
  vcpus: 4,
  // kvm64: a model that shows SMT threads under TCG ("maximum", virtkit's TCG default, and
  // qemu64 are AMD models without topoext: their guest counts each thread as a core)
  topology: { sockets: 2, cores: 1, threads: 2 },
  // each guest core's two threads on one host CPU: pinned as the guest's siblings are
  pins: ["0", "0", "1", "1"],
  cells: [
    { cpus: "0-1", mib: 64 },
    { cpus: "2-3", mib: 64 },
  ],
  overlayMiB: 96,
  baseMiB: 32,
  dataMiB: 32,
  grownMiB: 48,
  queues: 2,
  mac: `52:54:00:6e:${((process.pid >> 8) & 0xff).toString(16).padStart(2, "0")}:${(process.pid & 0xff).toString(16).padStart(2, "0")}`,
  hostname: `probe-${process.pid}`,
  sshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOlq0EhO3YhTkW4kB4zW8B1o6Hq3t0Yc2Pq1wq7bqk2v probe@virtkit",
};

interface Knobs {
  capabilities: string;
  pool: string;
  baseImage: string;
  kernel: string;
  initrd: string;
  cmdline: string;
  subnet: string;
  bridge: string;
  dataMiB: number;
}

const program = `import * as virtkit from "virtkit";
import { readFileSync } from "node:fs";

const k = JSON.parse(readFileSync(\`\${__dirname}/knobs.json\`, "utf8"));
const host = new virtkit.LibvirtHost("local", { uri: "${uri}", capabilities: readFileSync(k.capabilities, "utf8") });
const net = new virtkit.VirtualNetwork("net", {
  host, mode: "nat", name: "${tag}", bridge: k.bridge,
  ipv4: { address: \`\${k.subnet}.1/24\`, dhcp: { start: \`\${k.subnet}.100\`, end: \`\${k.subnet}.199\` } },
});
const root = new virtkit.Qcow2Volume("root", { host, pool: k.pool, size: "${spec.overlayMiB}MiB", baseImage: { url: k.baseImage }, allowReplace: true });
const data = new virtkit.Qcow2Volume("data", { host, pool: k.pool, format: "raw", size: \`\${k.dataMiB}MiB\`, allowReplace: true });
const memory = new virtkit.HugepageMemory("mem", { size: "${spec.cells.reduce((s, c) => s + c.mib, 0)}MiB", pageSize: "2MiB", hostNodes: "0" });
const vm = new virtkit.PinnedVm("vm", {
  host,
  domainName: "${tag}",
  domainType: "qemu",
  vcpus: ${spec.vcpus},
  // no cpu.check: a running domain's XML says check='full' where "none" was defined (seen
  // here), the provider reads that back, and every later up would be an update: a restart
  cpu: { mode: "custom", model: "kvm64", topology: ${JSON.stringify(spec.topology)} },
  pinning: { vcpus: ${JSON.stringify(spec.pins)}, emulator: "0-1" },
  memory,
  numa: { cells: ${JSON.stringify(spec.cells.map((c) => ({ cpus: c.cpus, memory: `${c.mib}MiB` })))} },
  disks: [root, data],
  nics: [{ network: net, mac: "${spec.mac}", queues: ${spec.queues} }],
  cloudInit: { hostname: "${spec.hostname}", sshAuthorizedKeys: ["${spec.sshKey}"] },
  boot: { kernel: k.kernel, initrd: k.initrd, cmdline: k.cmdline },
});
export const domainXml = vm.domainXml;
export const placement = vm.placement;
export const dataPath = data.path;
`;

/**
 * A reader of a domain's serial pty into a file, started as soon as the domain runs: virtkit's
 * serial console is a pty (`virsh console`), and QEMU drops what the guest writes while no one
 * holds it open. Raw and without echo, so the guest is never sent its own output.
 */
function readSerialPty(domain: string, log: string): ChildProcess {
  const xml = virsh(uri, [`dumpxml ${domain}`]);
  const pty = /<serial type='pty'>\s*<source path='([^']+)'/.exec(xml)?.[1];
  if (!pty) throw new Error(`domain ${domain} has no serial pty:\n${xml}`);
  return spawn("sh", ["-c", 'stty -F "$1" raw -echo && exec cat "$1" >> "$2"', "sh", pty, log], { stdio: "ignore" });
}

/** `pulumi up` in the background (the engine's CLI, as PulumiProject runs it), so the console can be caught while it runs. */
function upInBackground(project: PulumiProject): { done: Promise<{ status: number | null; output: string }> } {
  const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive", "--color", "never"], { cwd: project.dir, env: project.env });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return { done: new Promise((resolve) => child.on("close", (status) => resolve({ status, output }))) };
}

const running = (domain: string) => spawnSync("virsh", ["-q", "-c", uri, "domstate", domain], { encoding: "utf8" }).stdout.trim() === "running";
const qemuPid = (name: string) => (existsSync(`/run/libvirt/qemu/${name}.pid`) ? readFileSync(`/run/libvirt/qemu/${name}.pid`, "utf8").trim() : undefined);

describeWithGuest("what the guest sees", () => {
  describeWithProvider("a PinnedVm booting the probe, on the real engine", () => {
    const dir = scratchDir();
    const log = join(dir, "serial.log");
    let project: PulumiProject;
    let knobs: Knobs;
    let reader: ChildProcess | undefined;
    let first: ProbeReport;
    let upStarted = 0;
    const times: Record<string, number> = {};

    beforeAll(() => {
      const kernel = probeKernel()!;
      scratchPool(uri, tag, join(dir, "pool"));
      const baseImage = join(dir, "base.qcow2");
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", baseImage, `${spec.baseMiB}M`]);
      const capabilities = join(dir, "capabilities.xml");
      writeFileSync(capabilities, virsh(uri, ["capabilities"]));
      knobs = {
        capabilities,
        pool: tag,
        baseImage,
        kernel: probeKernelImage(kernel, dir),
        initrd: buildProbeInitramfs(kernel, dir),
        cmdline: probeCmdline({ mode: "wait", interval: 1 }),
        subnet: freeSubnet(uri),
        bridge: `vkg${process.pid % 1_000_000}`,
        dataMiB: spec.dataMiB,
      };
      project = new PulumiProject("e2e-guest", { "index.ts": program, "knobs.json": JSON.stringify(knobs, null, 2) });
      project.init();
    }, STEP);

    afterAll(() => {
      reader?.kill();
      project?.destroyAndRemove();
      for (const c of [`destroy ${tag}`, `undefine ${tag}`, `net-destroy ${tag}`, `net-undefine ${tag}`]) spawnSync("virsh", ["-q", "-c", uri, c]);
      removePool(uri, tag);
      console.log(`guestView timings (s): ${JSON.stringify(times)}`);
    }, STEP);

    it(
      "up makes the VM running, and the probe prints what it got",
      async () => {
        upStarted = Date.now();
        const up = upInBackground(project);
        let upDone = false;
        void up.done.then(() => (upDone = true));
        // catch the console from the moment the domain runs: the kernel takes seconds before the probe prints
        while (!running(tag) && !upDone) await new Promise((r) => setTimeout(r, 200));
        if (running(tag)) {
          times.upToRunning = (Date.now() - upStarted) / 1000;
          reader = readSerialPty(tag, log);
        }
        const result = await up.done;
        times.up = (Date.now() - upStarted) / 1000;
        if (result.status !== 0) throw new Error(`pulumi up exited ${result.status}:\n${result.output}`);
        first = await readProbe(log, BOOT);
        times.probeLine = (Date.now() - upStarted) / 1000;
        console.log(
          `probe line ${times.probeLine} s after up began (domain running at ${times.upToRunning} s, up done at ${times.up} s; guest uptime ${first.uptime} s: init ${first.timings.init}, modules ${first.timings.modules}, dhcp ${first.timings.dhcp}) under TCG`,
        );
        expect(first.seq).toBe(1);
        expect(first.mode).toBe("wait");
        expect(first.kernel).toBe(probeKernel()!.version);
        expect(first.modulesLoaded).toBe(moduleLoadOrder(probeKernel()!.modulesDir).length);
      },
      STEP,
    );

    it("booted the kernel, initrd and command line of boot, which libvirt and the provider carried as written", () => {
      const out = project.outputs();
      const live = virsh(uri, [`dumpxml --inactive ${tag}`]);
      const rows = fidelity(String(out.domainXml), live).filter((r) => /^domain\/os\/(kernel|initrd|cmdline)#text$/.test(r.fact));
      expect(rows.map((r) => [r.fact, r.ours, r.verdict])).toEqual([
        ["domain/os/kernel#text", knobs.kernel, "carried"],
        ["domain/os/initrd#text", knobs.initrd, "carried"],
        ["domain/os/cmdline#text", knobs.cmdline, "carried"],
      ]);
      // and the guest's own command line is that one: the probe ran in the mode it says
      expect(first.mode).toBe("wait");
      // no perpetual diff from os.kernel/initrd/cmdline, nor from the boot device libvirt adds
      const preview = project.pulumi("preview", "--expect-no-changes", "--diff");
      expect(preview.status === 0 ? "" : preview.output).toBe("");
    }, STEP);

    it("sees 4 vCPUs as 2 sockets x 1 core x 2 threads, each pinned where the spec says", () => {
      expect(first.cpus).toMatchObject({ online: "0-3", count: spec.vcpus, sockets: spec.topology.sockets, coresPerSocket: spec.topology.cores, threadsPerCore: spec.topology.threads });
      expect(first.cpus.list.map((c) => [c.cpu, c.package, c.threadSiblings])).toEqual([
        [0, 0, "0-1"],
        [1, 0, "0-1"],
        [2, 1, "2-3"],
        [3, 1, "2-3"],
      ]);
      expect(vcpuPins(uri, tag)).toEqual(spec.pins.map((p, i) => [String(i), p]));
    });

    it("sees the two NUMA cells with their CPUs exactly, and their memory within the kernel's share", () => {
      expect(first.numa.map((n) => [n.node, n.cpus])).toEqual(spec.cells.map((c, i) => [i, c.cpus]));
      // MemTotal is what the kernel left: cell 0 also holds the kernel itself (about 45 MiB of
      // a 64 MiB cell here); a cell without it keeps nearly all
      first.numa.forEach((n, i) => expect(n.memTotalKiB).toBeLessThanOrEqual(spec.cells[i].mib * 1024));
      expect(first.numa[1].memTotalKiB).toBeGreaterThan(spec.cells[1].mib * 1024 * 0.9);
      expect(first.numa[0].memTotalKiB).toBeGreaterThan(spec.cells[0].mib * 1024 - 56 * 1024);
    });

    it("sees the memory on 2 MiB hugepages: the cells' sum, every page of it taken from the host's pool", () => {
      const total = spec.cells.reduce((s, c) => s + c.mib, 0);
      expect(first.memTotalKiB).toBe(first.numa.reduce((s, n) => s + n.memTotalKiB, 0));
      expect(first.memTotalKiB).toBeLessThanOrEqual(total * 1024);
      const pid = qemuPid(tag)!;
      // QEMU's guest RAM is mapped from hugetlbfs: as many 2 MiB pages as the cells hold
      const smaps = readFileSync(`/proc/${pid}/smaps`, "utf8");
      const hugeKiB = [...smaps.matchAll(/^Private_Hugetlb:\s+(\d+) kB$/gm)].reduce((s, m) => s + Number(m[1]), 0) + [...smaps.matchAll(/^Shared_Hugetlb:\s+(\d+) kB$/gm)].reduce((s, m) => s + Number(m[1]), 0);
      expect(hugeKiB).toBe(total * 1024);
    });

    it("sees the overlay as /dev/vda and the raw data volume as /dev/vdb, at their sizes, and the seed as a CD-ROM", () => {
      const byName = Object.fromEntries(first.blocks.map((b) => [b.name, b]));
      expect(Object.keys(byName).sort()).toEqual(["sr0", "vda", "vdb"]);
      expect(byName.vda).toMatchObject({ bytes: spec.overlayMiB * MiB, readonly: false });
      expect(byName.vdb).toMatchObject({ bytes: spec.dataMiB * MiB, readonly: false });
      expect(byName.sr0).toMatchObject({ readonly: true, removable: true });
    });

    it("sees the NIC with its MAC and 2 queue pairs, and a DHCP lease in the network's range", () => {
      expect(first.nics).toHaveLength(1);
      const nic = first.nics[0];
      expect(nic).toMatchObject({ mac: spec.mac, rxQueues: spec.queues, txQueues: spec.queues, driver: "virtio_net" });
      expect(nic.dhcpAddress).toMatch(new RegExp(`^${knobs.subnet.replace(/\./g, "\\.")}\\.1\\d\\d$`));
      const lease = virsh(uri, [`net-dhcp-leases ${tag}`]).split("\n").find((l) => l.includes(spec.mac));
      expect(lease).toContain(`${nic.dhcpAddress}/24`);
    });

    it("reads the host name and the SSH key virtkit put in the NoCloud seed", () => {
      expect(first.cdroms).toHaveLength(1);
      expect(first.cdroms[0]).toMatchObject({ device: "sr0", label: "cidata", localHostname: spec.hostname, userDataFirstLine: "#cloud-config", sshKeys: [spec.sshKey] });
      expect(first.cdroms[0].files).toEqual(expect.arrayContaining(["meta-data", "user-data"]));
    });

    it(
      "sees the data volume grown by up while it runs, without a reboot",
      async () => {
        const pid = qemuPid(tag);
        const started = Date.now();
        project.write({ "knobs.json": JSON.stringify({ ...knobs, dataMiB: spec.grownMiB }, null, 2) });
        project.ok("up", "--yes", "--skip-preview");
        times.growUp = (Date.now() - started) / 1000;
        const after = await readProbe(log, 120_000, (r) => r.seq > first.seq);
        expect(after.blocks.find((b) => b.name === "vdb")?.bytes).toBe(spec.grownMiB * MiB);
        expect(after.blocks.find((b) => b.name === "vda")?.bytes).toBe(spec.overlayMiB * MiB);
        // the same boot of the same QEMU: the guest's clock ran on
        expect(qemuPid(tag)).toBe(pid);
        expect(after.uptime).toBeGreaterThan(first.uptime);
        expect(after.timings).toEqual(first.timings);
      },
      STEP,
    );

    it("destroy leaves nothing of the stack", () => {
      const started = Date.now();
      reader?.kill();
      reader = undefined;
      project.ok("destroy", "--yes", "--skip-preview");
      times.destroy = (Date.now() - started) / 1000;
      times.total = (Date.now() - upStarted) / 1000;
      expect(spawnSync("virsh", ["-c", uri, "dominfo", tag]).status).not.toBe(0);
      expect(spawnSync("virsh", ["-c", uri, "net-info", tag]).status).not.toBe(0);
      expect(virsh(uri, [`vol-list ${tag}`]).trim()).toBe("");
    }, STEP);
  });

  describeWithProvider("a kernel that is not on the host, on the real engine", () => {
    const dir = scratchDir();
    const badTag = `${tag}-bad`;
    const missing = join(dir, "no-such-vmlinuz");
    let project: PulumiProject;

    beforeAll(() => {
      scratchPool(uri, badTag, join(dir, "pool"));
      project = new PulumiProject(
        "e2e-badkernel",
        {
          "index.ts": `import * as virtkit from "virtkit";
const host = new virtkit.LibvirtHost("local", { uri: "${uri}" });
const data = new virtkit.Qcow2Volume("data", { host, pool: "${badTag}", size: "8MiB", allowReplace: true });
new virtkit.PinnedVm("vm", { host, domainName: "${badTag}", domainType: "qemu", vcpus: 1, memory: { size: "64MiB" }, disks: [data], boot: { kernel: "${missing}", cmdline: "console=ttyS0" } });
`,
        },
      );
      project.init();
    }, STEP);

    afterAll(() => {
      project?.destroyAndRemove();
      for (const c of [`destroy ${badTag}`, `undefine ${badTag}`]) spawnSync("virsh", ["-q", "-c", uri, c]);
      removePool(uri, badTag);
    }, STEP);

    it("preview passes (virtkit does not know the host's files); up fails with libvirt's message and leaves no domain, the volume made before it stays in the stack", () => {
      expect(project.pulumi("preview").status).toBe(0);
      const up = project.pulumi("up", "--yes", "--skip-preview");
      expect(up.status).not.toBe(0);
      expect(up.output).toContain(missing);
      console.log(`a missing kernel at up: ${up.output.split("\n").filter((l) => l.includes(missing)).slice(0, 3).join("\n")}`);
      // the provider undefines a domain it defined but could not start
      expect(spawnSync("virsh", ["-c", uri, "dominfo", badTag]).status).not.toBe(0);
      const state = JSON.parse(project.ok("stack", "export").stdout) as { deployment: { resources?: { type: string }[] } };
      const types = (state.deployment.resources ?? []).map((r) => r.type);
      expect(types).not.toContain("libvirt:index/domain:Domain");
      expect(types).toContain("libvirt:index/volume:Volume");
      expect(virsh(uri, [`vol-list ${badTag}`])).toContain("data.qcow2");
      // and destroy takes what was made
      project.ok("destroy", "--yes", "--skip-preview");
      expect(virsh(uri, [`vol-list ${badTag}`]).trim()).toBe("");
    }, STEP);
  });
}, { seedIso: true });
