import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { scratchDir, tools } from "./libvirt";

/**
 * The probe guest: Debian's own kernel (`linux-image-amd64`) booted directly by libvirt
 * (`<os><kernel>/<initrd>/<cmdline>`) with an initramfs built here, at test time, from
 * `busybox-static`, the kernel's virtio/CD-ROM modules and `guest.d/init`. The guest prints
 * what it got (CPUs, NUMA cells, memory, disks, NICs, a DHCP lease, a NoCloud seed) as one
 * JSON line on its serial console and powers off. Nothing binary is committed.
 */

const inCi = !!process.env.CI;
const INIT = join(__dirname, "guest.d", "init");
const BUSYBOX = "/bin/busybox";
/** What the probe prints before its JSON, at the start of a console line. */
export const PROBE_MARKER = "VIRTKIT-PROBE ";

/**
 * Kernel modules the probe loads (with their dependencies, from `modules.dep`): Debian builds
 * virtio PCI/blk/net/SCSI, SATA (q35's CD-ROM bus), the CD-ROM driver and ISO 9660 as modules.
 * `scan=sync`: the SCSI bus is scanned inside insmod, so a CD-ROM is there before the probe reads.
 */
const PROBE_MODULES = ["virtio_pci", "virtio_blk", "virtio_net", "virtio_scsi", "ahci", "sr_mod", "isofs"];
const MODULE_ARGS: Record<string, string> = { scsi_mod: "scan=sync" };

export interface ProbeKernel {
  /** `uname -r` of the kernel, e.g. `6.1.0-57-amd64`. */
  readonly version: string;
  /** The bzImage for `<os><kernel>`, e.g. `/boot/vmlinuz-6.1.0-57-amd64`. */
  readonly path: string;
  /** Its modules, `/lib/modules/<version>`. */
  readonly modulesDir: string;
}

const versionKey = (v: string) => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? p.padStart(8, "0") : p)).join(".");

/** The newest installed kernel that has both its image and its modules, or undefined. */
export function probeKernel(): ProbeKernel | undefined {
  const boot = existsSync("/boot") ? readdirSync("/boot") : [];
  const versions = boot
    .filter((f) => f.startsWith("vmlinuz-"))
    .map((f) => f.slice("vmlinuz-".length))
    .filter((v) => existsSync(join("/lib/modules", v, "modules.dep")))
    .sort((a, b) => versionKey(b).localeCompare(versionKey(a)));
  const version = versions[0];
  return version ? { version, path: join("/boot", `vmlinuz-${version}`), modulesDir: join("/lib/modules", version) } : undefined;
}

let defaultCache: string | undefined;
const cacheDirDefault = () => (defaultCache ??= scratchDir());

/**
 * The kernel image that boots fastest under TCG: its uncompressed ELF `vmlinux`, which QEMU
 * enters at the PVH entry point, when the kernel has CONFIG_PVH (Debian's has); otherwise the
 * bzImage itself. Debian's bzImage is XZ-compressed, and decompressing 66 MB inside an emulated
 * guest took 11 s of a 26 s boot on this 2-core machine under load (14 s from the vmlinux).
 * The vmlinux is cut out of the bzImage as the kernel's scripts/extract-vmlinux does (from the
 * XZ magic on), once per kernel into `cacheDir`. Returns a path for `<os><kernel>`.
 */
export function probeKernelImage(kernel: ProbeKernel = requireKernel(), cacheDir: string = cacheDirDefault()): string {
  const config = join("/boot", `config-${kernel.version}`);
  if (!existsSync(config) || !/^CONFIG_PVH=y$/m.test(readFileSync(config, "utf8"))) return kernel.path;
  const out = join(cacheDir, `vmlinux-${kernel.version}`);
  if (existsSync(out) && statSync(out).size > 0) return out;
  const bz = readFileSync(kernel.path);
  const at = bz.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) return kernel.path; // not XZ: the bzImage boots as it is
  // the stream is followed by the bzImage's trailer, which --single-stream leaves unread: from a
  // file, since through a pipe xz may exit before taking the trailer and the write fails (EPIPE)
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, bz.subarray(at));
  const elf = execFileSync("xz", ["-dc", "--single-stream", tmp], { maxBuffer: 1 << 30 });
  if (elf.readUInt32BE(0) !== 0x7f454c46) {
    rmSync(tmp, { force: true });
    return kernel.path;
  }
  writeFileSync(tmp, elf);
  renameSync(tmp, out);
  return out;
}

/** Whether an ELF file has no program interpreter (PT_INTERP): a static binary that runs alone in the initramfs. */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false; // ELF64 only
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

/** What the probe guest needs that this machine lacks (empty: it can be built and booted). */
export function guestMissing(opts: { seedIso?: boolean } = {}): string[] {
  const missing: string[] = [];
  if (!tools.qemuDaemon) missing.push("a running libvirtd with the QEMU driver at qemu:///system (scripts/setup)");
  if (!probeKernel()) missing.push("a kernel with its modules (Debian's linux-image-amd64: scripts/setup)");
  if (!existsSync(BUSYBOX) || !isStaticElf(BUSYBOX)) missing.push(`a static ${BUSYBOX} (Debian's busybox-static: scripts/setup)`);
  if (opts.seedIso && spawnSync("sh", ["-c", "command -v genisoimage"]).status !== 0) missing.push("genisoimage, for NoCloud seed ISOs (scripts/setup)");
  return missing;
}

/**
 * `describe` for suites that boot the probe guest: when its parts are there; otherwise a suite
 * that fails under CI (a broken install never passes as green) and is skipped loudly elsewhere,
 * as describeWithProvider does.
 */
export function describeWithGuest(name: string, body: () => void, opts: { seedIso?: boolean } = {}): void {
  const missing = guestMissing(opts);
  if (!missing.length) return describe(name, body);
  if (inCi) {
    describe(name, () => {
      it("needs the probe guest's parts (bash scripts/setup installs them)", () => {
        throw new Error(`missing: ${missing.join("; ")}`);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": missing ${missing.join("; ")} (run bash scripts/setup as root)`);
  describe.skip(name, body);
}

/** `modules.dep` as module name → [file, dependency names], names with `-` read as `_` like the kernel does. */
function readModulesDep(modulesDir: string): Map<string, { file: string; deps: string[] }> {
  const name = (file: string) => file.split("/").pop()!.replace(/\.ko(\.(xz|zst|gz))?$/, "").replace(/-/g, "_");
  const map = new Map<string, { file: string; deps: string[] }>();
  for (const line of readFileSync(join(modulesDir, "modules.dep"), "utf8").split("\n")) {
    const [file, rest] = line.split(":");
    if (!rest && !line.includes(":")) continue;
    map.set(name(file), { file, deps: rest.trim().split(/\s+/).filter(Boolean).map(name) });
  }
  return map;
}

/** `roots` and everything they need, each after its dependencies; a root built into the kernel is left out. */
export function moduleLoadOrder(modulesDir: string, roots: readonly string[] = PROBE_MODULES): { name: string; file: string }[] {
  const dep = readModulesDep(modulesDir);
  const builtin = new Set(
    existsSync(join(modulesDir, "modules.builtin"))
      ? readFileSync(join(modulesDir, "modules.builtin"), "utf8").split("\n").filter(Boolean).map((f) => f.split("/").pop()!.replace(/\.ko$/, "").replace(/-/g, "_"))
      : [],
  );
  const order: { name: string; file: string }[] = [];
  const seen = new Set<string>();
  const visit = (m: string, from: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    const entry = dep.get(m);
    if (!entry) {
      if (builtin.has(m)) return;
      throw new Error(`kernel module ${m} (needed by ${from}) is neither in ${modulesDir}/modules.dep nor built in`);
    }
    entry.deps.forEach((d) => visit(d, m));
    order.push({ name: m, file: entry.file });
  };
  roots.forEach((r) => visit(r, "the probe"));
  return order;
}

/** A module file as the kernel's init_module takes it (busybox insmod does not decompress). */
function moduleBytes(path: string): Buffer {
  if (path.endsWith(".ko.gz")) return gunzipSync(readFileSync(path));
  if (path.endsWith(".ko.xz")) return execFileSync("xz", ["-dc", path], { maxBuffer: 256 << 20 });
  if (path.endsWith(".ko.zst")) return execFileSync("zstd", ["-dcq", path], { maxBuffer: 256 << 20 });
  return readFileSync(path);
}

/** One entry of a cpio archive in the "newc" format the kernel unpacks into its initramfs. */
interface CpioEntry {
  name: string;
  mode: number;
  data?: Buffer;
  /** For a character device: [major, minor]. */
  rdev?: [number, number];
}

/** A cpio "newc" archive (the format of `cpio -H newc`): 110-byte hex headers, names and data padded to 4 bytes. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  const push = (e: CpioEntry, ino: number) => {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const fields = [ino, e.mode, 0, 0, 1, 0, data.length, 0, 0, e.rdev?.[0] ?? 0, e.rdev?.[1] ?? 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map(hex).join("")}`);
    parts.push(header, name, pad(header.length + name.length), data, pad(data.length));
  };
  entries.forEach((e, i) => push(e, i + 1));
  push({ name: "TRAILER!!!", mode: 0 }, 0);
  return Buffer.concat(parts);
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;

/**
 * The probe's initramfs (cpio newc, gzip) for `kernel`: busybox-static as /bin/busybox, the
 * probe as /init, the modules it needs as /lib/modules/*.ko with /lib/modules/order (one
 * `file args` per line, dependencies first), and /dev/console for the kernel to open before
 * init runs. Built once per kernel version, probe script, busybox and module list: kept in
 * `cacheDir` (default: a scratch directory of this test process) under a name of that key.
 * Returns its path.
 */
export function buildProbeInitramfs(kernel: ProbeKernel = requireKernel(), cacheDir: string = cacheDirDefault()): string {
  const init = readFileSync(INIT);
  const busybox = readFileSync(BUSYBOX);
  const modules = moduleLoadOrder(kernel.modulesDir);
  const key = createHash("sha256")
    .update(init)
    .update(createHash("sha256").update(busybox).digest())
    .update(JSON.stringify([modules.map((m) => m.file), MODULE_ARGS]))
    .digest("hex")
    .slice(0, 16);
  const out = join(cacheDir, `probe-initramfs-${kernel.version}-${key}.cpio.gz`);
  if (existsSync(out) && statSync(out).size > 0) return out;

  const entries: CpioEntry[] = [
    ...["bin", "dev", "lib", "lib/modules", "proc", "sys", "tmp", "mnt"].map((name) => ({ name, mode: S_IFDIR | 0o755 })),
    { name: "dev/console", mode: S_IFCHR | 0o600, rdev: [5, 1] },
    { name: "bin/busybox", mode: S_IFREG | 0o755, data: busybox },
    { name: "init", mode: S_IFREG | 0o755, data: init },
    ...modules.map((m) => ({ name: `lib/modules/${m.name}.ko`, mode: S_IFREG | 0o644, data: moduleBytes(join(kernel.modulesDir, m.file)) })),
    {
      name: "lib/modules/order",
      mode: S_IFREG | 0o644,
      data: Buffer.from(modules.map((m) => `${m.name}.ko${MODULE_ARGS[m.name] ? ` ${MODULE_ARGS[m.name]}` : ""}\n`).join("")),
    },
  ];
  mkdirSync(cacheDir, { recursive: true });
  // written aside and renamed: a parallel suite never boots half a file
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, gzipSync(cpioNewc(entries), { level: 6 }));
  renameSync(tmp, out);
  return out;
}

function requireKernel(): ProbeKernel {
  const k = probeKernel();
  if (!k) throw new Error("no kernel with modules under /boot and /lib/modules: install linux-image-amd64 (scripts/setup)");
  return k;
}

export interface ProbeOptions {
  /** `once` (default): print and power off. `wait`: keep running, rescan the disks every `interval` s and print the whole report again (next `seq`) when one changed. */
  mode?: "once" | "wait";
  /** Seconds between rescans in `wait` mode. Default 2. */
  interval?: number;
  /** Ask for a DHCP lease on every NIC. Default true. */
  dhcp?: boolean;
}

/**
 * The kernel command line of the probe: its console on the first serial port, the kernel's
 * own chatter kept off it (so the probe's line is not cut by a printk), and a panic that
 * reboots, which a domain with `<on_reboot>destroy</on_reboot>` turns into its end.
 */
export function probeCmdline(opts: ProbeOptions = {}): string {
  const args = ["console=ttyS0", "quiet", "loglevel=3", "panic=-1", `probe.mode=${opts.mode ?? "once"}`];
  if (opts.interval !== undefined) args.push(`probe.interval=${opts.interval}`);
  if (opts.dhcp === false) args.push("probe.dhcp=0");
  return args.join(" ");
}

/** What the probe saw from inside the guest. */
export interface ProbeReport {
  /** 1 for the first line; in wait mode each changed report counts on. */
  seq: number;
  mode: "once" | "wait";
  /** Guest seconds since its kernel started, when the line was printed. */
  uptime: number;
  /** Guest uptime (s) when init started, when its modules were loaded, when DHCP was done. */
  timings: { init: number; modules: number; dhcp: number };
  kernel: string;
  modulesLoaded: number;
  cpus: {
    /** `/sys/devices/system/cpu/online`, e.g. `0-3`. */
    online: string;
    list: { cpu: number; package: number; die: number; core: number; node: number; threadSiblings: string }[];
    count: number;
    sockets: number;
    coresPerSocket: number;
    threadsPerCore: number;
  };
  /** NUMA nodes: their CPU list, MemTotal, and the memory blocks (hotplug sections) they own. */
  numa: { node: number; cpus: string; memTotalKiB: number; memoryBlocks: number; memoryBlockBytes: number }[];
  /** `/proc/meminfo` MemTotal: guest RAM less what the kernel keeps for itself. */
  memTotalKiB: number;
  blocks: { name: string; bytes: number; readonly: boolean; removable: boolean; serial: string }[];
  nics: { name: string; mac: string; rxQueues: number; txQueues: number; driver: string; dhcpAddress: string | null }[];
  cdroms: { device: string; label: string; files?: string[]; localHostname?: string; userDataFirstLine?: string; sshKeys?: string[] }[];
}

/** Every probe line in a console log, in order; a line cut short or garbled is passed over. */
export function parseProbeLines(log: string): ProbeReport[] {
  const reports: ProbeReport[] = [];
  for (const line of log.split(/\r?\n/)) {
    const at = line.indexOf(PROBE_MARKER);
    if (at < 0) continue;
    try {
      reports.push(JSON.parse(line.slice(at + PROBE_MARKER.length)) as ProbeReport);
    } catch {
      // a kernel message written into the middle of the line: wait mode prints again
    }
  }
  return reports;
}

/** A running domain whose serial console goes to a file (`<serial type='file'>`). */
export interface ProbeDomain {
  uri: string;
  domain: string;
}

/** The file a domain's first serial port writes to, from its live XML. */
export function serialLogOf({ uri, domain }: ProbeDomain): string {
  const xml = execFileSync("virsh", ["-q", "-c", uri, "dumpxml", domain], { encoding: "utf8" });
  const serial = /<serial type='file'>[\s\S]*?<source path='([^']+)'/.exec(xml);
  if (!serial) throw new Error(`domain ${domain} has no <serial type='file'>: the probe's line is read from that file`);
  return serial[1].replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const domainRunning = ({ uri, domain }: ProbeDomain) => spawnSync("virsh", ["-q", "-c", uri, "domstate", domain], { encoding: "utf8" }).stdout.trim() === "running";

/**
 * The first probe report in a serial log (a path, or a domain whose serial port is a file) that
 * satisfies `until` (default: any), waiting up to `timeoutMs`. Given a domain, it stops early
 * when the domain is gone without such a line. Fails with the log's tail, which shows a kernel
 * panic or a probe error.
 */
export async function readProbe(source: string | ProbeDomain, timeoutMs = 120_000, until?: (r: ProbeReport) => boolean): Promise<ProbeReport> {
  const dom = typeof source === "string" ? undefined : source;
  const path = typeof source === "string" ? source : serialLogOf(source);
  const deadline = Date.now() + timeoutMs;
  const read = () => (existsSync(path) ? readFileSync(path, "utf8") : "");
  for (;;) {
    const found = parseProbeLines(read()).find(until ?? (() => true));
    if (found) return found;
    const gone = dom !== undefined && !domainRunning(dom);
    if (gone || Date.now() > deadline) {
      // the guest may have printed between the read and the check
      const last = parseProbeLines(read()).find(until ?? (() => true));
      if (last) return last;
      const tail = read().split("\n").slice(-25).join("\n");
      const what = until ? `a probe line where ${until.toString()}` : "a probe line";
      throw new Error(`${gone ? `domain ${dom!.domain} ended without ${what}` : `no ${what} within ${timeoutMs} ms`}; ${path} ends:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A NoCloud seed ISO (`cidata`, Rock Ridge and Joliet names, as cloud-init's docs make one with
 * genisoimage) holding `user-data` and `meta-data`. Returns its path.
 */
export function buildSeedIso(dir: string, files: { userData: string; metaData: string }): string {
  const src = join(dir, "seed");
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "user-data"), files.userData);
  writeFileSync(join(src, "meta-data"), files.metaData);
  const iso = join(dir, "seed.iso");
  execFileSync("genisoimage", ["-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock", join(src, "user-data"), join(src, "meta-data")], { stdio: ["ignore", "pipe", "pipe"] });
  return iso;
}

/**
 * A /24 for a scratch libvirt network that no route of this machine and no libvirt network
 * uses, as `10.X.Y`; the caller writes `.1` for the gateway and a DHCP range inside it.
 */
export function freeSubnet(uri: string, seed = process.pid): string {
  const routes = execFileSync("ip", ["-4", "route"], { encoding: "utf8" });
  const nets = spawnSync("virsh", ["-q", "-c", uri, "net-list", "--all", "--name"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  const used = routes + nets.map((n) => spawnSync("virsh", ["-q", "-c", uri, "net-dumpxml", n], { encoding: "utf8" }).stdout).join("\n");
  for (let i = 0; i < 4000; i++) {
    const n = (seed + i) % 4000;
    const prefix = `10.${200 + Math.floor(n / 250) % 50}.${n % 250}`;
    if (!used.includes(`${prefix}.`)) return prefix;
  }
  throw new Error("no free 10.200-249.x.0/24 for a scratch network");
}
