import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithProvider } from "./engine";

/**
 * A fleet of hypervisors on one machine: N private libvirtd daemons beside the system one,
 * each with its own configuration, run, state and cache directories, its own socket, its own
 * host UUID, and so its own URI (`qemu:///system?socket=DIR/sock/libvirt-sock`, the form the
 * libvirt provider accepts).
 *
 * A privileged libvirtd keeps its state at fixed paths, so each daemon runs in a mount
 * namespace of its own (`unshare -m`) with its host directory bound over `/run/libvirt`,
 * `/var/lib/libvirt`, `/var/cache/libvirt` and `/etc/libvirt`, and its socket in a directory
 * outside those mounts. There is no virtlogd in its namespace, so QEMU writes its log to a
 * file (`stdio_handler = "file"`).
 *
 * What the daemons share, and what that asks of tests:
 * - the network namespace: a bridge name is global to the machine, so every network a test
 *   defines takes its bridge from {@link FleetHost.bridge}, unique per fleet, host and index.
 *   Their iptables rules go into the same LIBVIRT_* chains as the system daemon's, and come out
 *   when the network is destroyed (which stop() does for every network left).
 * - the CPUs and the hugepage pool: every daemon reports this machine's. Capacities differ
 *   because virtkit is told they do: each host's `reservedCpus`, and the 2 MiB page count its
 *   facts (`virtkit facts`) carry, rewritten per host. A host's hugepage figure is what virtkit
 *   places against, not pages set aside for it.
 * - cgroups are named after the domain: domain names must differ across daemons.
 *
 * Cleanup ends only what the fleet started, found by its own pid files: stop() removes every
 * domain, network, pool (its volumes too) and secret the daemon has (a private daemon holds
 * only what tests made), ends the daemon by its pid, then any QEMU left by pid file, and
 * removes the fleet's directory. It runs from the test's afterAll, at process exit and on
 * SIGINT/SIGTERM; and startFleet() first sweeps fleets whose owner process is gone, restarting
 * each dead daemon on its own directories so that it can undo its own domains and networks.
 * The signal hooks are JavaScript: while a test blocks in a synchronous `pulumi up` they wait for
 * it to return, and a SIGKILLed test leaves its fleet to the next run's sweep.
 */

/** Where every fleet lives, one directory each, so that a later run finds stale ones. */
export const FLEET_ROOT = join(tmpdir(), "virtkit-fleet");
const repo = join(__dirname, "..", "..");
const SOCKET = "sock/libvirt-sock";
const MOUNTS: [string, string][] = [
  ["run", "/run/libvirt"],
  ["lib", "/var/lib/libvirt"],
  ["cache", "/var/cache/libvirt"],
  ["etc", "/etc/libvirt"],
];

export interface FleetHostSpec {
  /** The host's name in tests and programs (`hv1`); also its directory's name. */
  readonly name: string;
  /** Host CPUs (libvirt cpuset) the host keeps for itself: the `reservedCpus` a program gives its LibvirtHost. */
  readonly reservedCpus?: string;
  /** 2 MiB pages on each NUMA node as this host's facts report them; default: this machine's own count. */
  readonly hugepages2M?: number;
}

export interface FleetHost {
  readonly name: string;
  readonly uri: string;
  /** The `host_uuid` of its libvirtd, which `virsh capabilities` reports. */
  readonly hostUuid: string;
  /** Pid of its libvirtd (a new one after {@link Fleet.restartHost}; the last one's while stopped). */
  readonly pid: number;
  /** Its directory: configuration, state, sockets, logs and pools of this host. */
  readonly dir: string;
  /** `virtkit facts` of the host, with the spec's hugepage figure (for `readHostFacts`). */
  readonly facts: string;
  readonly reservedCpus: string | undefined;
  /** A directory of this host for a dir pool (made by the pool's own build, removed with the host). */
  poolDir(name: string): string;
  /** A bridge name unique on the machine (at most 15 characters) for network `index` of this host. */
  bridge(index: number): string;
}

export interface Fleet {
  readonly dir: string;
  readonly hosts: readonly FleetHost[];
  host(name: string): FleetHost;
  /**
   * Ends the libvirtd of one host by its pid (SIGTERM, as `systemctl stop libvirtd` does), keeping
   * its directories, definitions and running QEMU: what a daemon going down in the middle of a run
   * leaves. Its URI stops answering until {@link restartHost}.
   */
  stopHost(name: string): void;
  /** Starts the libvirtd of a stopped host again on its own directories (same URI, host UUID and definitions). */
  restartHost(name: string): Promise<void>;
  /** Removes everything of the fleet (idempotent). */
  stop(): void;
}

/** What a daemon holds, by name (volumes as `pool/volume`, secrets by UUID), sorted. */
export interface Inventory {
  domains: string[];
  networks: string[];
  pools: string[];
  volumes: string[];
  secrets: string[];
}

/** Why this machine cannot run a fleet, or undefined when it can. */
export function fleetMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "a fleet of private libvirtd daemons needs root (bind mounts in a mount namespace)";
  for (const tool of ["libvirtd", "unshare", "virsh", "ip", "iptables"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is missing (bash scripts/setup installs it)`;
  }
  if (!existsSync(join(repo, "dist", "sdk", "src", "index.js"))) return "virtkit is not built (npm run build): bin/virtkit facts needs dist/";
  return undefined;
}

/** `describeWithProvider` that also needs a fleet: missing, it fails under CI and is skipped loudly elsewhere. */
export function describeWithFleet(name: string, body: () => void): void {
  const missing = fleetMissing();
  if (!missing) return describeWithProvider(name, body);
  if (process.env.CI) {
    describe(name, () => {
      it("needs a fleet of private libvirtd daemons (tests/support/fleet.ts)", () => {
        throw new Error(missing);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": ${missing}`);
  describe.skip(name, body);
}

const quiet = (uri: string, ...args: string[]) => spawnSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8", timeout: 60_000 });
const names = (uri: string, ...args: string[]): string[] =>
  (quiet(uri, ...args).stdout ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

/** Everything a daemon holds now. */
export function inventory(uri: string): Inventory {
  const pools = names(uri, "pool-list", "--all", "--name").sort();
  return {
    domains: names(uri, "list", "--all", "--name").sort(),
    networks: names(uri, "net-list", "--all", "--name").sort(),
    pools,
    volumes: pools.flatMap((p) => names(uri, "vol-list", p).map((l) => `${p}/${l.split(/\s+/)[0]}`)).sort(),
    secrets: names(uri, "secret-list")
      .map((l) => l.split(/\s+/)[0])
      .filter((u) => /^[0-9a-f-]{36}$/.test(u))
      .sort(),
  };
}

// --- processes, known only by our own pid files ---

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};
/**
 * Whether a process runs. A zombie does not: a daemon this process spawned stays one until the
 * event loop reaps it, which a synchronous wait never lets happen.
 */
const alive = (pid: number): boolean => {
  const stat = readText(`/proc/${pid}/stat`);
  return stat !== undefined && stat.split(") ")[1]?.[0] !== "Z";
};
/** Start time of a process (clock ticks after boot), to tell it from a later one with its pid. */
const startTime = (pid: number): string | undefined => readText(`/proc/${pid}/stat`)?.split(") ")[1]?.split(" ")[19];
const cmdline = (pid: number): string => (readText(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" ");

/** The pid of the libvirtd of host directory `dir`, if it is still running: its command line names its own config. */
function daemonPid(dir: string): number | undefined {
  const pid = Number(readText(join(dir, "libvirtd.pid")));
  return pid > 0 && alive(pid) && cmdline(pid).includes(join(dir, "etc", "libvirtd.conf")) ? pid : undefined;
}

/** QEMU processes of a host by the pid files its daemon wrote (`/run/libvirt/qemu/NAME.pid` in its namespace). */
function qemuPids(dir: string): number[] {
  const run = join(dir, "run", "qemu");
  if (!existsSync(run)) return [];
  return readdirSync(run)
    .filter((f) => f.endsWith(".pid") && f !== "driver.pid")
    .map((f) => ({ pid: Number(readText(join(run, f))), name: f.slice(0, -4) }))
    .filter(({ pid, name }) => pid > 0 && alive(pid) && cmdline(pid).includes(`guest=${name}`))
    .map(({ pid }) => pid);
}

/** Bridges of the host's networks as its daemon recorded them (status and definitions). */
function bridges(dir: string): string[] {
  const found = new Set<string>();
  for (const sub of [join("run", "network"), join("etc", "qemu", "networks")]) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((x) => x.endsWith(".xml"))) {
      for (const m of (readText(join(d, f)) ?? "").matchAll(/<bridge name=['"]([^'"]+)['"]/g)) found.add(m[1]);
    }
  }
  return [...found];
}

function waitExit(pid: number, ms: number): boolean {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    spawnSync("sleep", ["0.1"]);
  }
  return !alive(pid);
}

// --- one daemon ---

function writeConfig(dir: string, hostUuid: string): void {
  for (const [sub] of MOUNTS) mkdirSync(join(dir, sub), { recursive: true });
  mkdirSync(join(dir, "sock"), { recursive: true });
  mkdirSync(join(dir, "log"), { recursive: true });
  writeFileSync(
    join(dir, "etc", "libvirtd.conf"),
    [`unix_sock_dir = "${join(dir, "sock")}"`, `host_uuid = "${hostUuid}"`, `log_outputs = "3:file:${join(dir, "log", "libvirtd.log")}"`, ""].join("\n"),
  );
  // QEMU's capabilities as the system daemon probed them (libvirt checks the cache against the
  // binaries, its own version and the host, and probes again when it is stale): each daemon
  // would otherwise probe every QEMU binary itself, seconds of a slow machine's CPU
  const caps = "/var/cache/libvirt/qemu/capabilities";
  if (existsSync(caps)) cpSync(caps, join(dir, "cache", "qemu", "capabilities"), { recursive: true });
  // as the system daemon is set up by scripts/setup (no systemd, no KVM group checks), and no virtlogd
  writeFileSync(join(dir, "etc", "qemu.conf"), ['user = "root"', 'group = "root"', "dynamic_ownership = 0", 'stdio_handler = "file"', ""].join("\n"));
}

/** Starts the libvirtd of host directory `dir` (configured already) and returns its pid once its socket answers. */
async function startDaemon(dir: string): Promise<number> {
  const binds = MOUNTS.map(([sub, target]) => `mount --bind ${JSON.stringify(join(dir, sub))} ${target}`).join(" && ");
  const log = join(dir, "log", "stdout");
  const out = openSync(log, "a");
  // its own pid file (the default, /run/libvirtd.pid, is outside the mounts and the system daemon's
  // own when started without one); no --fork: unshare and sh exec into libvirtd, so the child's pid is the daemon's; no -d, for the same reason
  const child = spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", `${binds} && exec libvirtd -f "$0" --pid-file "$1"`, join(dir, "etc", "libvirtd.conf"), join(dir, "daemon.pid")], {
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error(`libvirtd of ${dir} did not start`);
  writeFileSync(join(dir, "libvirtd.pid"), String(pid));
  const uri = uriOf(dir);
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (!alive(pid)) break;
    const r = await run("virsh", ["-q", "-c", uri, "version"]);
    if (r.status === 0) {
      if (process.env.VIRTKIT_FLEET_DEBUG) console.log(`libvirtd of ${dir} up after ${Date.now() - until + 30_000} ms`);
      return pid;
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`libvirtd of ${dir} did not answer on ${uri}:\n${readText(log) ?? ""}${readText(join(dir, "log", "libvirtd.log"))?.slice(-2000) ?? ""}`);
}

const uriOf = (dir: string) => `qemu:///system?socket=${join(dir, SOCKET)}`;

function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Ends the daemon of `dir` by its pid, and nothing else: its domains keep running, its directories stay. */
function haltDaemon(dir: string): void {
  const pid = daemonPid(dir);
  if (pid === undefined) return;
  process.kill(pid, "SIGTERM");
  if (!waitExit(pid, 15_000)) process.kill(pid, "SIGKILL");
  waitExit(pid, 5_000);
}

/** Undoes everything the daemon of `dir` holds, ends it and what it left running, and removes `dir`. */
function stopHost(dir: string): void {
  const pid = daemonPid(dir);
  if (pid !== undefined) {
    const uri = uriOf(dir);
    for (const d of names(uri, "list", "--all", "--name")) {
      quiet(uri, "destroy", d);
      quiet(uri, "undefine", d, "--nvram", "--managed-save", "--snapshots-metadata");
    }
    for (const n of names(uri, "net-list", "--all", "--name")) {
      quiet(uri, "net-destroy", n);
      quiet(uri, "net-undefine", n);
    }
    for (const p of names(uri, "pool-list", "--all", "--name")) {
      for (const v of names(uri, "vol-list", p)) quiet(uri, "vol-delete", v.split(/\s+/)[0], "--pool", p);
      quiet(uri, "pool-destroy", p);
      quiet(uri, "pool-undefine", p);
    }
    for (const s of names(uri, "secret-list")) if (/^[0-9a-f-]{36}/.test(s)) quiet(uri, "secret-undefine", s.split(/\s+/)[0]);
    process.kill(pid, "SIGTERM");
    if (!waitExit(pid, 15_000)) process.kill(pid, "SIGKILL");
    waitExit(pid, 5_000);
  }
  // what a daemon that died (or was killed) could not undo: by its own pid files and records only
  for (const q of qemuPids(dir)) {
    process.kill(q, "SIGKILL");
    waitExit(q, 5_000);
  }
  for (const br of bridges(dir)) {
    if (spawnSync("ip", ["link", "show", br]).status !== 0) continue;
    spawnSync("ip", ["link", "del", br]);
    const rules = (spawnSync("iptables", ["-S"], { encoding: "utf8" }).stdout ?? "").split("\n").filter((r) => r.startsWith("-A ") && new RegExp(`(-i|-o) ${br}( |$)`).test(r));
    for (const r of rules) spawnSync("iptables", ["-D", ...r.slice(3).split(" ")]);
  }
  rmSync(dir, { recursive: true, force: true });
}

// --- fleets ---

const OWNER = "owner";
const live = new Set<string>();

function stopFleetDir(fleetDir: string): void {
  for (const h of existsSync(fleetDir) ? readdirSync(fleetDir, { withFileTypes: true }) : []) {
    if (h.isDirectory()) stopHost(join(fleetDir, h.name));
  }
  rmSync(fleetDir, { recursive: true, force: true });
  live.delete(fleetDir);
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => [...live].forEach(stopFleetDir));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      [...live].forEach(stopFleetDir);
      process.exit(128 + (signal === "SIGINT" ? 2 : 15));
    });
  }
}

/**
 * Removes fleets whose owner (the test process that started them) is gone: each dead daemon is
 * started again on its own directories first, so that it destroys its own domains and networks
 * (their iptables rules with them), then ended. Returns the directories removed.
 */
export async function sweepStaleFleets(): Promise<string[]> {
  if (!existsSync(FLEET_ROOT)) return [];
  const swept: string[] = [];
  for (const f of readdirSync(FLEET_ROOT)) {
    const fleetDir = join(FLEET_ROOT, f);
    const [pid, started] = (readText(join(fleetDir, OWNER)) ?? "").trim().split(" ");
    if (pid && alive(Number(pid)) && startTime(Number(pid)) === started) continue;
    for (const h of readdirSync(fleetDir, { withFileTypes: true })) {
      const dir = join(fleetDir, h.name);
      if (!h.isDirectory() || daemonPid(dir) !== undefined || !existsSync(join(dir, "etc", "libvirtd.conf"))) continue;
      await startDaemon(dir).catch(() => undefined);
    }
    stopFleetDir(fleetDir);
    swept.push(fleetDir);
  }
  return swept;
}

/** The 2 MiB page count of every NUMA cell of `virsh capabilities` set to `pages`. */
export function withHugepages2M(capabilities: string, pages: number): string {
  return capabilities.replace(/(<pages unit='KiB' size='2048'>)\d+(<\/pages>)/g, `$1${pages}$2`);
}

/**
 * Starts one private libvirtd per spec (in parallel), reads each one's facts with
 * `bin/virtkit facts --uri`, and returns the fleet. Stale fleets of earlier runs are swept first.
 * Call `stop()` in afterAll; exit and signal hooks stop it too.
 */
export async function startFleet(specs: readonly FleetHostSpec[]): Promise<Fleet> {
  const missing = fleetMissing();
  if (missing) throw new Error(missing);
  const dupe = specs.find((s, i) => specs.findIndex((t) => t.name === s.name) !== i);
  if (dupe) throw new Error(`fleet host "${dupe.name}" is listed twice`);
  if (specs.some((s) => !/^[a-z][a-z0-9-]{0,15}$/.test(s.name))) throw new Error("fleet host names are lowercase letters, digits and '-', up to 16");
  await sweepStaleFleets();
  mkdirSync(FLEET_ROOT, { recursive: true });
  const fleetDir = mkdtempSync(join(FLEET_ROOT, `${process.pid}-`));
  writeFileSync(join(fleetDir, OWNER), `${process.pid} ${startTime(process.pid)}`);
  live.add(fleetDir);
  hookExit();
  // bridges: "vk" + 4 characters of this fleet + host index + network index, unique while the fleet lives
  const tag = fleetDir.slice(-6).replace(/[^A-Za-z0-9]/g, "x").slice(-4).toLowerCase();
  try {
    const hosts = await Promise.all(
      specs.map(async (spec, i): Promise<FleetHost> => {
        const dir = join(fleetDir, spec.name);
        const hostUuid = randomUUID();
        writeConfig(dir, hostUuid);
        const pid = await startDaemon(dir);
        const uri = uriOf(dir);
        const facts = join(dir, "facts");
        const r = await run(join(repo, "bin", "virtkit"), ["facts", "--uri", uri, "--out", facts]);
        if (r.status !== 0) throw new Error(`virtkit facts --uri ${uri} failed:\n${r.stdout}${r.stderr}`);
        if (spec.hugepages2M !== undefined) {
          const file = join(facts, "capabilities.xml");
          writeFileSync(file, withHugepages2M(readFileSync(file, "utf8"), spec.hugepages2M));
        }
        return {
          name: spec.name,
          uri,
          hostUuid,
          // the pid file startDaemon writes: restartHost gives the host a new daemon
          get pid() {
            return daemonPid(dir) ?? pid;
          },
          dir,
          facts,
          reservedCpus: spec.reservedCpus,
          poolDir: (name: string) => join(dir, "pools", name),
          bridge: (index: number) => `vk${tag}h${i}n${index}`.slice(0, 15),
        };
      }),
    );
    const host = (name: string): FleetHost => {
      const h = hosts.find((x) => x.name === name);
      if (!h) throw new Error(`the fleet has no host "${name}" (it has ${hosts.map((x) => x.name).join(", ")})`);
      return h;
    };
    return {
      dir: fleetDir,
      hosts,
      host,
      stopHost(name: string) {
        haltDaemon(host(name).dir);
      },
      async restartHost(name: string) {
        const dir = host(name).dir;
        if (daemonPid(dir) === undefined) await startDaemon(dir);
      },
      stop: () => stopFleetDir(fleetDir),
    };
  } catch (e) {
    stopFleetDir(fleetDir);
    throw e;
  }
}

/** A daemon's `virsh capabilities` host UUID (what tells two daemons apart). */
export const reportedHostUuid = (uri: string): string =>
  /<host>\s*<uuid>([^<]+)<\/uuid>/.exec(execFileSync("virsh", ["-c", uri, "capabilities"], { encoding: "utf8" }))?.[1] ?? "";
