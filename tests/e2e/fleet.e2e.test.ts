import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PulumiProject } from "../support/engine";
import { emptyInventory, exportedResources, stackInventory } from "../support/stackInventory";
import { describeWithFleet, type Fleet, type FleetHost, FLEET_ROOT, inventory, reportedHostUuid, startFleet, sweepStaleFleets } from "../support/fleet";
import { hostHasKvm, vcpuPins, virsh } from "../support/libvirt";

/**
 * virtkit over three hypervisors for real: three private libvirtd daemons of this machine
 * (tests/support/fleet.ts), examples/three-hosts as a user runs it on the real Pulumi engine and
 * libvirt provider v0.9.7, each host a URI of its own with its own facts and capacity. `up`
 * creates on each daemon what the stack says belongs there and nothing elsewhere, `preview
 * --expect-no-changes` passes, `destroy` leaves nothing on any daemon; then the harness ends its
 * daemons and leaves nothing of them, and a fleet whose test process died is swept by the next.
 */
const STEP = 10 * 60 * 1000;
const repo = join(__dirname, "..", "..");
const prefix = `vkf${process.pid}-`;
/** Per host: CPUs it keeps (this machine has CPUs 0 and 1) and 2 MiB pages its facts report. */
const SPECS = [
  { name: "hv1", reservedCpus: "0", hugepages2M: 0 },
  { name: "hv2", reservedCpus: undefined, hugepages2M: 16 },
  { name: "hv3", reservedCpus: "1", hugepages2M: 8 },
];

/** examples/three-hosts copied as it is, beside examples/hosts.ts and the fixtures it reads (as tests/e2e/examples.e2e.test.ts does). */
function threeHostsProject(): PulumiProject {
  const project = new PulumiProject("fleet", {});
  const ex = join(project.dir, "examples", "three-hosts");
  mkdirSync(ex, { recursive: true });
  cpSync(join(repo, "examples", "three-hosts", "index.ts"), join(ex, "index.ts"));
  cpSync(join(repo, "examples", "hosts.ts"), join(project.dir, "examples", "hosts.ts"));
  mkdirSync(join(project.dir, "tests"));
  symlinkSync(join(repo, "tests", "fixtures"), join(project.dir, "tests", "fixtures"));
  // the binding in node_modules below the program, where Pulumi's Node language host looks (examples.e2e says why)
  mkdirSync(join(ex, "node_modules", "@pulumi"), { recursive: true });
  symlinkSync(join(repo, "sdks", "libvirt"), join(ex, "node_modules", "@pulumi", "libvirt"));
  const main = "examples/three-hosts/index.ts";
  project.write({
    "Pulumi.yaml": readFileSync(join(repo, "examples", "three-hosts", "Pulumi.yaml"), "utf8").replace(/^main: index\.ts$/m, `main: ${main}`),
    "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "node16", moduleResolution: "node16", esModuleInterop: true, skipLibCheck: true, types: ["node"] }, files: [main] }),
  });
  return project;
}

describeWithFleet("three hosts for real: a fleet of private libvirtd daemons under the real engine", () => {
  let fleet: Fleet;
  let project: PulumiProject;
  const started = Date.now();

  beforeAll(async () => {
    fleet = await startFleet(SPECS);
    project = threeHostsProject();
    const config: Record<string, { value: string; secret?: boolean }> = {
      namePrefix: { value: prefix },
      domainType: { value: hostHasKvm() ? "kvm" : "qemu" },
      running: { value: "true" },
      rootSize: { value: "16MiB" },
      webMemory: { value: "64MiB" },
      // the one host with a CPU left beside its web VM (placement refuses it on hv1 and hv3)
      dbHost: { value: "hv2" },
      dbMemory: { value: "32MiB" },
      dbDataSize: { value: "16MiB" },
      // so that destroy may remove it: the suite leaves nothing
      dbDataAllowReplace: { value: "true" },
      dbPassphrase: { value: "correct horse battery staple", secret: true },
    };
    for (const h of fleet.hosts) {
      config[`${h.name}Uri`] = { value: h.uri };
      config[`${h.name}Facts`] = { value: h.facts };
      config[`${h.name}ReservedCpus`] = { value: h.reservedCpus ?? "" };
      config[`${h.name}PoolPath`] = { value: h.poolDir("vms") };
      config[`${h.name}Bridge`] = { value: h.bridge(0) };
    }
    project.init(config);
  }, STEP);

  afterAll(() => {
    if (project) project.destroyAndRemove();
    fleet?.stop();
    console.log(`fleet suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, STEP);

  const hostOf = (name: string): FleetHost => fleet.host(name);

  it("each daemon is a host of its own: its own host UUID, read by virtkit facts with its own hugepage figure", () => {
    const uuids = fleet.hosts.map((h) => reportedHostUuid(h.uri));
    expect(uuids).toEqual(fleet.hosts.map((h) => h.hostUuid));
    expect(new Set([...uuids, reportedHostUuid("qemu:///system")]).size).toBe(4);
    for (const [i, h] of fleet.hosts.entries()) {
      const caps = readFileSync(join(h.facts, "capabilities.xml"), "utf8");
      expect(caps).toContain(`<uuid>${h.hostUuid}</uuid>`);
      expect([...caps.matchAll(/<pages unit='KiB' size='2048'>(\d+)<\/pages>/g)].map((m) => Number(m[1]))).toEqual([SPECS[i].hugepages2M]);
    }
  });

  it("up creates on each daemon exactly what the stack holds there, and nothing on the system daemon", () => {
    const before = inventory("qemu:///system");
    project.ok("up", "--yes", "--skip-preview");
    const stack = stackInventory(exportedResources(project));
    expect([...stack.keys()].sort()).toEqual(fleet.hosts.map((h) => h.uri).sort());
    for (const h of fleet.hosts) {
      const expected = stack.get(h.uri)!;
      // every host has its pool, its network, its web VM and that VM's root volume
      expect(expected.pools).toEqual([`${prefix}vms`]);
      expect(expected.networks).toEqual([`${prefix}backend`]);
      expect({ host: h.name, ...inventory(h.uri) }).toEqual({ host: h.name, ...expected });
    }
    // the database, its encrypted volume and that volume's secret are on hv2 alone
    expect(stack.get(hostOf("hv2").uri)!.domains).toContain(`${prefix}db`);
    expect(stack.get(hostOf("hv2").uri)!.secrets).toHaveLength(1);
    for (const h of ["hv1", "hv3"]) expect(stack.get(hostOf(h).uri)!.secrets).toEqual([]);
    const after = inventory("qemu:///system");
    expect(after.domains.filter((d) => d.startsWith(prefix))).toEqual([]);
    expect(after.networks.filter((d) => d.startsWith(prefix))).toEqual(before.networks.filter((d) => d.startsWith(prefix)));
  }, STEP);

  it("anti-affinity: one web VM per host, running, its vCPU pinned off the CPUs that host reserves", () => {
    const out = project.outputs() as { hostOf: Record<string, string> };
    const webs = ["web-0", "web-1", "web-2"];
    expect(new Set(webs.map((w) => out.hostOf[w])).size).toBe(3);
    for (const w of webs) {
      const h = hostOf(out.hostOf[w]);
      const domain = `${prefix}${w}`;
      expect(inventory(h.uri).domains.filter((d) => d.startsWith(`${prefix}web-`))).toEqual([domain]);
      expect(virsh(h.uri, [`domstate ${domain}`]).trim()).toBe("running");
      const pins = vcpuPins(h.uri, domain);
      expect(pins).toHaveLength(1);
      if (h.reservedCpus !== undefined) expect(pins[0][1]).not.toBe(h.reservedCpus);
    }
    // the hosts that keep a CPU have the other one only
    expect(vcpuPins(hostOf("hv1").uri, `${prefix}${Object.keys(out.hostOf).find((w) => out.hostOf[w] === "hv1")}`)[0][1]).toBe("1");
    expect(vcpuPins(hostOf("hv3").uri, `${prefix}${webs.find((w) => out.hostOf[w] === "hv3")}`)[0][1]).toBe("0");
    expect(virsh(hostOf("hv2").uri, [`domstate ${prefix}db`]).trim()).toBe("shut off");
  }, STEP);

  it("each host's capacity is its own: reserved CPUs and hugepage pools differ, the database's CPU and pages claimed on hv2", () => {
    type Cap = { nodes: { cpus: { total: number; reserved: number; used: number; free: number }; hugepages: { sizeBytes: number; total: number; used: number }[] }[] };
    const capacity = project.outputs().capacity as Record<string, Cap>;
    const summary = Object.fromEntries(
      Object.entries(capacity).map(([h, c]) => [h, { cpus: c.nodes[0].cpus, pages2M: c.nodes[0].hugepages.filter((p) => p.sizeBytes === 2 * 1024 * 1024).map((p) => [p.total, p.used]) }]),
    );
    expect(summary).toEqual({
      hv1: { cpus: { total: 2, reserved: 1, used: 1, free: 0 }, pages2M: [[0, 0]] },
      hv2: { cpus: { total: 2, reserved: 0, used: 2, free: 0 }, pages2M: [[16, 16]] },
      hv3: { cpus: { total: 2, reserved: 1, used: 1, free: 0 }, pages2M: [[8, 0]] },
    });
  }, STEP);

  it("preview --expect-no-changes passes over the three hosts", () => {
    const r = project.pulumi("preview", "--expect-no-changes", "--diff");
    expect(r.status === 0 ? "" : r.output).toBe("");
  }, STEP);

  it("destroy leaves no domain, volume, pool, network or secret on any daemon", () => {
    project.ok("destroy", "--yes", "--skip-preview");
    for (const h of fleet.hosts) expect({ host: h.name, ...inventory(h.uri) }).toEqual({ host: h.name, ...emptyInventory() });
  }, STEP);

  it("stop() ends the daemons and their QEMU by pid, and leaves no directory, bridge or firewall rule", () => {
    // something left running, as a failed test leaves it: a TCG domain on a network of hv1
    const h = hostOf("hv1");
    const bridge = h.bridge(9);
    const net = join(fleet.dir, "net.xml");
    const dom = join(fleet.dir, "dom.xml");
    writeFileSync(net, `<network><name>${prefix}left</name><bridge name='${bridge}'/></network>`);
    writeFileSync(
      dom,
      `<domain type='qemu'><name>${prefix}left</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><interface type='network'><source network='${prefix}left'/></interface></devices></domain>`,
    );
    virsh(h.uri, [`net-create ${net}`, `define ${dom}`, `start ${prefix}left`]);
    const qemu = Number(readFileSync(join(h.dir, "run", "qemu", `${prefix}left.pid`), "utf8"));
    expect(existsSync(`/proc/${qemu}`)).toBe(true);
    const pids = fleet.hosts.map((x) => x.pid);
    fleet.stop();
    for (const pid of [...pids, qemu]) expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ")).toBe(false);
    expect(existsSync(fleet.dir)).toBe(false);
    expect(spawnSync("ip", ["link", "show", bridge]).status).not.toBe(0);
    expect(spawnSync("iptables", ["-S"], { encoding: "utf8" }).stdout).not.toContain(bridge);
  }, STEP);
});

describeWithFleet("a fleet whose test process died is swept by the next one", () => {
  it("the dead daemon is started again on its own directories, undoes its domain and network, and is ended", async () => {
    const fleet = await startFleet([{ name: "stale" }]);
    try {
      const h = fleet.hosts[0];
      const bridge = h.bridge(0);
      const net = join(fleet.dir, "net.xml");
      writeFileSync(net, `<network><name>left</name><bridge name='${bridge}'/></network>`);
      const dom = join(fleet.dir, "dom.xml");
      writeFileSync(
        dom,
        `<domain type='qemu'><name>${prefix}stale</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><interface type='network'><source network='left'/></interface></devices></domain>`,
      );
      virsh(h.uri, [`net-define ${net}`, "net-start left", `define ${dom}`, `start ${prefix}stale`]);
      const qemu = Number(readFileSync(join(h.dir, "run", "qemu", `${prefix}stale.pid`), "utf8"));
      // the owner dies without cleaning up: its daemon killed outright, its pid one that has ended
      process.kill(h.pid, "SIGKILL");
      const gone = spawnSync("true").pid;
      writeFileSync(join(fleet.dir, "owner"), `${gone} 0`);
      const swept = await sweepStaleFleets();
      expect(swept).toContain(fleet.dir);
      expect(existsSync(fleet.dir)).toBe(false);
      expect(existsSync(`/proc/${qemu}`)).toBe(false);
      expect(spawnSync("ip", ["link", "show", bridge]).status).not.toBe(0);
      expect(spawnSync("iptables", ["-S"], { encoding: "utf8" }).stdout).not.toContain(bridge);
      expect(existsSync(FLEET_ROOT)).toBe(true);
    } finally {
      fleet.stop();
    }
  }, STEP);
});
