#!/usr/bin/env node
/*
 * Real-engine benchmark: `pulumi preview`, `up` and `destroy` of the bench/wholeProgram.js shapes
 * (N pinned VMs, four shapes cycling, each with a disk and a NIC, `pinning: "auto"`, hugepages
 * on half of them) on the engine `scripts/engine` builds (Pulumi CLI, Pulumi's Node language
 * host, the terraform-provider bridge and terraform-provider-libvirt 0.9.7), against this
 * machine's libvirtd, with a file backend in a temporary directory outside the repository.
 *
 *   npm run build && npm run bench:engine -- [options]
 *     --sizes 100,1000   preview sizes (the largest runs last, once; "" for none)
 *     --up 100           size of the up + destroy pair (0: none)
 *     --split 100        one stack of N against two stacks of N/2 run in parallel (0: none)
 *     --split-ops preview,up
 *     --per-host 10      VMs per host: hosts = N / per-host, each its own provider instance
 *     --runs 1           repeats of each raw/virtkit pair (order alternates)
 *     --parallel N       passed to pulumi as --parallel N (default: pulumi's own)
 *     --out FILE         JSON results (default: $TMPDIR/virtkit-engine-bench-<time>.json)
 *     --skip-checkpoints PULUMI_SKIP_CHECKPOINTS=true: the engine writes the state once at the end, not after every step
 *     --smoke            5 VMs, preview only, both variants: under a minute; exits non-zero on any failure
 *     --report FILE      print the tables of an earlier run's JSON
 *
 * Every host is a distinct URI to the same libvirtd, `qemu:///system?socket=<symlink>` with a
 * symlink per host to /run/libvirt/libvirt-sock (VIRTKIT_LIBVIRT_SOCKET overrides): one
 * provider instance (a bridge and a provider process) per host, as on a real fleet.
 *
 * Variants, always measured in the same run, one after the other:
 *   raw      the Domains and providers virtkit registers for that program (recorded under
 *            Pulumi's mocks by bench/program/harness.js), declared directly with @pulumi/libvirt
 *   virtkit  the virtkit components program (bench/program/components.js)
 * The domains are `type: qemu` (TCG: no /dev/kvm here) and `running: false`, so `up` defines
 * them and starts none. Their names carry a per-run prefix; on exit (also on failure or a
 * signal) every stack that may hold resources is destroyed, any domain left with the prefix is
 * undefined, and the scratch directory is removed.
 *
 * Measured per command: wall time; CPU (user + system) of every process the command started,
 * from a cpuacct cgroup when the machine has one (cgroup v1 here), else from /proc samples; per
 * role (engine = the pulumi CLI, langhost, program = the Node program, bridge, provider) the
 * CPU and the peak RSS (VmHWM) from /proc samples every 250 ms; the state file's size after up.
 */
"use strict";
const { spawn, spawnSync } = require("child_process");
const fs = require("fs");
const { tmpdir, cpus, loadavg, totalmem } = require("os");
const { join } = require("path");
const { parseArgs } = require("util");
const { TreeSampler } = require("./engine/procs");

const ROOT = join(__dirname, "..");
const SDK = join(ROOT, "dist", "sdk", "src", "index.js");
const PROGRAMS = join(__dirname, "program");
const SOCKET = process.env.VIRTKIT_LIBVIRT_SOCKET || "/run/libvirt/libvirt-sock";
const LIBVIRT_URI = "qemu:///system";
const PREFIX = `vkb${process.pid}-`;
const CGROUP_ROOTS = { cpu: "/sys/fs/cgroup/cpuacct", pids: "/sys/fs/cgroup/pids" };
const ROLES = ["engine", "langhost", "program", "bridge", "provider", "dynamic", "other"];

// ------------------------------------------------------------------ environment

/** The environment `scripts/engine env` sets (without building: a missing engine is an error here). */
function engineEnv() {
  const script = `eval "$(bash ${JSON.stringify(join(ROOT, "scripts", "engine"))} env)" && node -e 'process.stdout.write(JSON.stringify(process.env))'`;
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`scripts/engine env failed (bash scripts/engine builds the engine): ${(r.stderr || r.stdout).trim()}`);
  const env = JSON.parse(r.stdout);
  if (env.VIRTKIT_LIBVIRT_PROVIDER_MISSING) throw new Error(`provider 0.9.7 is missing: ${env.VIRTKIT_LIBVIRT_PROVIDER_MISSING}`);
  return env;
}

function cgroupsUsable() {
  try {
    const probe = join(CGROUP_ROOTS.cpu, `virtkit-bench-probe-${process.pid}`);
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    fs.accessSync(CGROUP_ROOTS.pids, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ the run's scratch and cleanup

class Scratch {
  constructor() {
    this.dir = fs.mkdtempSync(join(tmpdir(), "virtkit-engine-bench-"));
    fs.mkdirSync(join(this.dir, "sock"));
    /** project directories whose stack may hold resources */
    this.live = new Set();
    this.cgroups = new Set();
    this.cleaned = false;
  }

  /** The host URI template: one socket symlink per host, made up to `hosts`. */
  uri(hosts) {
    for (let h = 0; h < hosts; h++) {
      const link = join(this.dir, "sock", `hv${h}`);
      if (!fs.existsSync(link)) fs.symlinkSync(SOCKET, link);
    }
    return `${LIBVIRT_URI}?socket=${join(this.dir, "sock")}/hv{h}`;
  }

  /** Destroys every stack that may hold resources, undefines any domain of this run, kills our leftovers, removes the scratch. */
  cleanup(env) {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const dir of this.live) {
      process.stderr.write(`cleanup: destroying the stack in ${dir}\n`);
      spawnSync("pulumi", ["destroy", "--yes", "--skip-preview", "--non-interactive"], { cwd: dir, env: projectEnv(env, dir), stdio: "ignore", timeout: 20 * 60 * 1000 });
    }
    for (const name of ourDomains()) {
      process.stderr.write(`cleanup: undefining ${name}\n`);
      spawnSync("virsh", ["-q", "-c", LIBVIRT_URI, "undefine", name], { stdio: "ignore" });
    }
    for (const cg of this.cgroups) killCgroup(cg);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function ourDomains() {
  const r = spawnSync("virsh", ["-q", "-c", LIBVIRT_URI, "list", "--all", "--name"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`virsh list: ${r.stderr}`);
  return r.stdout.split("\n").map((s) => s.trim()).filter((s) => s.startsWith(PREFIX));
}

// ------------------------------------------------------------------ projects

const projectEnv = (env, dir) => ({
  ...env,
  PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
  PULUMI_CONFIG_PASSPHRASE: "virtkit-bench",
  PULUMI_SKIP_UPDATE_CHECK: "true",
  NO_COLOR: "1",
});

/**
 * A Pulumi project in the scratch directory: its program sets the knobs and requires
 * bench/program/components.js or raw.js; node_modules is the checkout's (so @pulumi/pulumi
 * and @pulumi/libvirt are the ones virtkit itself resolves); its own file backend.
 */
function makeProject(scratch, env, { name, variant, vms, first = 0, uri, perHost }) {
  const dir = join(scratch.dir, name);
  fs.mkdirSync(join(dir, "state"), { recursive: true });
  fs.symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  fs.writeFileSync(join(dir, "Pulumi.yaml"), "name: vkbench\nruntime: nodejs\nmain: index.js\n");
  fs.writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "vkbench", private: true, main: "index.js" }));
  const knobs = {
    VIRTKIT_BENCH_SDK: SDK,
    VIRTKIT_BENCH_VMS: String(vms),
    VIRTKIT_BENCH_FIRST: String(first),
    VIRTKIT_BENCH_PER_HOST: String(perHost),
    VIRTKIT_BENCH_URI: uri,
    VIRTKIT_BENCH_QEMU: "1",
    VIRTKIT_BENCH_PREFIX: PREFIX,
    VIRTKIT_BENCH_RAW: join(scratch.dir, `raw-${vms}-${first}.json`),
  };
  const program = variant === "raw" ? "raw.js" : "components.js";
  fs.writeFileSync(join(dir, "index.js"), `Object.assign(process.env, ${JSON.stringify(knobs)});\nrequire(${JSON.stringify(join(PROGRAMS, program))});\n`);
  if (!fs.existsSync(knobs.VIRTKIT_BENCH_RAW)) record(knobs);
  const expected = variant === "raw"
    ? 1 + JSON.parse(fs.readFileSync(knobs.VIRTKIT_BENCH_RAW, "utf8")).length
    : 1 + Number(fs.readFileSync(`${knobs.VIRTKIT_BENCH_RAW}.all`, "utf8"));
  const init = spawnSync("pulumi", ["stack", "init", "bench", "--secrets-provider", "passphrase", "--non-interactive"], { cwd: dir, env: projectEnv(env, dir), encoding: "utf8" });
  if (init.status !== 0) throw new Error(`pulumi stack init in ${dir}: ${init.stderr}`);
  return { dir, name, variant, vms, hosts: Math.max(1, Math.round(vms / perHost)), expected };
}

/** Records, under Pulumi's mocks, the provider resources the components program registers (raw.js declares them). */
function record(knobs) {
  const r = spawnSync(process.execPath, [join(PROGRAMS, "harness.js"), join(PROGRAMS, "components.js"), "--record", knobs.VIRTKIT_BENCH_RAW], { env: { ...process.env, ...knobs }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`recording the raw resources of ${knobs.VIRTKIT_BENCH_VMS} VMs: ${r.stderr}`);
}

// ------------------------------------------------------------------ one measured command

let cgroupSeq = 0;

function makeCgroups(scratch) {
  if (!scratch.useCgroups) return undefined;
  const name = `virtkit-bench-${process.pid}-${cgroupSeq++}`;
  const cg = { cpu: join(CGROUP_ROOTS.cpu, name), pids: join(CGROUP_ROOTS.pids, name) };
  fs.mkdirSync(cg.cpu);
  fs.mkdirSync(cg.pids);
  scratch.cgroups.add(cg);
  return cg;
}

function cgroupPids(cg) {
  try {
    return fs.readFileSync(join(cg.pids, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Kills what is left in our own cgroup (processes this benchmark started), then removes it. */
function killCgroup(cg) {
  const left = cgroupPids(cg);
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  for (let i = 0; i < 50; i++) {
    try {
      fs.rmdirSync(cg.pids);
      fs.rmdirSync(cg.cpu);
      return left.length;
    } catch {
      spawnSync("sleep", ["0.1"]);
    }
  }
  return left.length;
}

/** Runs `pulumi ARGS` in a project, measured. Resolves with the figures; rejects on a non-zero exit. */
function measure(scratch, env, project, op, extraArgs = []) {
  const args = op === "preview" ? ["preview", "--non-interactive", "--diff=false"] : op === "up" ? ["up", "--yes", "--skip-preview", "--non-interactive"] : ["destroy", "--yes", "--skip-preview", "--non-interactive"];
  args.push(...extraArgs);
  const cg = makeCgroups(scratch);
  // the shell puts itself into the cgroups, then becomes pulumi: every descendant is counted
  const argv = cg
    ? ["sh", ["-c", 'echo $$ > "$1/cgroup.procs" && echo $$ > "$2/cgroup.procs" && shift 2 && exec "$@"', "sh", cg.cpu, cg.pids, "pulumi", ...args]]
    : ["pulumi", args];
  if (op === "up") scratch.live.add(project.dir);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv[1], { cwd: project.dir, env: projectEnv(env, project.dir), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const sampler = new TreeSampler(child.pid).start();
    child.on("error", reject);
    child.on("exit", (code) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const tree = sampler.stop();
      let cpuS = tree.cpuS;
      let leftover = 0;
      if (cg) {
        const [user, system] = fs.readFileSync(join(cg.cpu, "cpuacct.stat"), "utf8").match(/\d+/g).map(Number);
        cpuS = (user + system) / 100;
        leftover = killCgroup(cg);
        scratch.cgroups.delete(cg);
      }
      const log = join(scratch.dir, `${project.name}-${op}.log`);
      fs.writeFileSync(log, output);
      if (code !== 0) return reject(new Error(`pulumi ${op} (${project.variant}, ${project.vms} VMs) exited ${code}; last output:\n${output.slice(-3000)}`));
      const count = countResources(op, output);
      if (count !== project.expected) return reject(new Error(`pulumi ${op} (${project.variant}, ${project.vms} VMs): ${count} resources, expected ${project.expected}\n${output.slice(-3000)}`));
      if (op === "destroy") scratch.live.delete(project.dir);
      resolve({ op, variant: project.variant, vms: project.vms, hosts: project.hosts, resources: count, wallS, cpuS, leftover, roles: tree.roles, stateKiB: stateKiB(project.dir) });
    });
  });
}

/** The number of resources pulumi's summary reports for OP. */
function countResources(op, output) {
  const re = { preview: /\+ (\d+) to create/, up: /\+ (\d+) created/, destroy: /- (\d+) deleted/ }[op];
  const m = re.exec(output);
  return m ? Number(m[1]) : 0;
}

/** The size of the stack's checkpoint in the file backend (0 before the first up). */
function stateKiB(dir) {
  const stacks = join(dir, "state", ".pulumi", "stacks", "vkbench");
  try {
    return fs.statSync(join(stacks, "bench.json")).size / 1024;
  } catch {
    return 0;
  }
}

// ------------------------------------------------------------------ the plan

async function main() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "100,1000" },
      up: { type: "string", default: "100" },
      split: { type: "string", default: "100" },
      "split-ops": { type: "string", default: "preview,up" },
      "per-host": { type: "string", default: "10" },
      runs: { type: "string", default: "1" },
      parallel: { type: "string" },
      out: { type: "string" },
      smoke: { type: "boolean", default: false },
      "skip-checkpoints": { type: "boolean", default: false },
      report: { type: "string" },
    },
  });
  if (values.report) return report(JSON.parse(fs.readFileSync(values.report, "utf8")));
  const smoke = values.smoke;
  const sizes = smoke ? [5] : values.sizes.split(",").filter(Boolean).map(Number).filter((n) => n > 0).sort((a, b) => a - b);
  const upSize = smoke ? 0 : Number(values.up);
  const splitSize = smoke ? 0 : Number(values.split);
  const splitOps = values["split-ops"].split(",").filter(Boolean);
  const perHost = Number(values["per-host"]);
  const runs = Number(values.runs);
  const extra = values.parallel ? ["--parallel", values.parallel] : [];
  if (!fs.existsSync(SDK)) throw new Error(`no compiled SDK at ${SDK}: run \`npm run build\` first`);
  if (!fs.existsSync(SOCKET)) throw new Error(`no libvirtd socket at ${SOCKET} (bash scripts/setup starts libvirtd)`);

  const env = engineEnv();
  // Pulumi writes the whole checkpoint after every step unless told to write only the last (pulumi#10668)
  if (values["skip-checkpoints"]) env.PULUMI_SKIP_CHECKPOINTS = "true";
  const scratch = new Scratch();
  scratch.useCgroups = cgroupsUsable();
  const onSignal = (sig) => {
    process.stderr.write(`\n${sig}: cleaning up\n`);
    scratch.cleanup(env);
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const started = new Date();
  const results = [];
  const out = values.out || join(tmpdir(), `virtkit-engine-bench-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  const document = (failed) => ({
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0].model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavgAtEnd: loadavg() },
    options: { sizes, upSize, splitSize, splitOps, perHost, runs, parallel: values.parallel ?? "pulumi default", skipCheckpoints: values["skip-checkpoints"], smoke, cpuFrom: scratch.useCgroups ? "cpuacct cgroup" : "/proc samples" },
    results,
    failed: failed ? String(failed.stack || failed) : undefined,
  });
  // written after every measurement, so an interrupted run keeps what it measured
  const add = (r) => {
    results.push(r);
    fs.writeFileSync(out, JSON.stringify(document(), null, 1));
  };
  const log = (s) => process.stderr.write(`[bench:engine ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}\n`);
  let seq = 0;
  const pair = async (label, vms, ops, order) => {
    // one project per variant; ops run in order on it (preview, or up then destroy)
    const variants = order % 2 === 0 ? ["raw", "virtkit"] : ["virtkit", "raw"];
    for (const variant of variants) {
      const uri = scratch.uri(Math.max(1, Math.round(vms / perHost)));
      const project = makeProject(scratch, env, { name: `${label}-${variant}-${seq++}`, variant, vms, uri, perHost });
      for (const op of ops) {
        log(`${op} ${variant} ${vms} VMs ...`);
        const r = await measure(scratch, env, project, op, extra);
        if (op === "up") {
          const defined = ourDomains().length;
          if (defined !== vms) throw new Error(`after up of ${vms} VMs (${variant}) libvirt has ${defined} domains of this run`);
          r.stateKiB = stateKiB(project.dir);
        }
        if (op === "destroy" && ourDomains().length !== 0) throw new Error(`after destroy (${variant}) libvirt still has ${ourDomains().join(", ")}`);
        log(`${op} ${variant} ${vms} VMs: ${r.wallS.toFixed(1)} s wall, ${r.cpuS.toFixed(1)} s CPU`);
        add({ ...r, label, run: order });
      }
    }
  };
  /** One stack of N against two stacks of N/2 (VMs 0..N/2-1 and N/2..N-1) run at the same time: virtkit components. */
  const split = async (vms, op, order) => {
    const uri = scratch.uri(Math.max(1, Math.round(vms / perHost)));
    const one = makeProject(scratch, env, { name: `split-one-${seq++}`, variant: "virtkit", vms, uri, perHost });
    const half = Math.floor(vms / 2);
    const two = [0, half].map((first) => makeProject(scratch, env, { name: `split-two-${first}-${seq++}`, variant: "virtkit", vms: half, first, uri, perHost }));
    const ops = op === "up" ? ["up", "destroy"] : ["preview"];
    const runOne = async () => {
      for (const o of ops) {
        log(`split: ${o} one stack of ${vms} ...`);
        const r = await measure(scratch, env, one, o, extra);
        add({ ...r, label: `split-${op}`, variant: "one stack", run: order });
      }
    };
    const runTwo = async () => {
      for (const o of ops) {
        log(`split: ${o} two stacks of ${half} at once ...`);
        const t0 = process.hrtime.bigint();
        const rs = await Promise.all(two.map((p) => measure(scratch, env, p, o, extra)));
        const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
        if (o === "up" && ourDomains().length !== 2 * half) throw new Error(`after the split up libvirt has ${ourDomains().length} domains, expected ${2 * half}`);
        const roles = {};
        for (const r of rs) for (const [k, v] of Object.entries(r.roles)) {
          const t = (roles[k] ??= { count: 0, cpuS: 0, peakRssMB: 0, sumPeakRssMB: 0, sumPeakAnonMB: 0 });
          t.count += v.count;
          t.cpuS += v.cpuS;
          t.peakRssMB = Math.max(t.peakRssMB, v.peakRssMB);
          t.sumPeakRssMB += v.sumPeakRssMB;
          t.sumPeakAnonMB += v.sumPeakAnonMB;
        }
        add({ op: o, label: `split-${op}`, variant: "two stacks", vms: 2 * half, hosts: rs[0].hosts + rs[1].hosts, resources: rs[0].resources + rs[1].resources, wallS, cpuS: rs[0].cpuS + rs[1].cpuS, roles, stateKiB: rs[0].stateKiB + rs[1].stateKiB, leftover: rs[0].leftover + rs[1].leftover, stacks: rs, run: order });
      }
    };
    if (order % 2 === 0) {
      await runOne();
      await runTwo();
    } else {
      await runTwo();
      await runOne();
    }
  };

  let failed;
  try {
    const small = sizes.filter((n) => n < Math.max(...sizes));
    const largest = Math.max(...sizes);
    for (const vms of small) for (let r = 0; r < runs; r++) await pair("preview", vms, ["preview"], r);
    if (upSize) for (let r = 0; r < runs; r++) await pair("up", upSize, ["up", "destroy"], r);
    if (splitSize) for (const op of splitOps) for (let r = 0; r < runs; r++) await split(splitSize, op, r);
    // the largest preview last (the 1,000-VM one takes tens of minutes): once
    if (sizes.length) await pair("preview", largest, ["preview"], 0);
  } catch (e) {
    failed = e;
  } finally {
    scratch.cleanup(env);
  }
  const doc = document(failed);
  fs.writeFileSync(out, JSON.stringify(doc, null, 1));
  report(doc);
  console.log(`\nJSON: ${out}`);
  if (failed) {
    console.error(`\nFAILED: ${failed.message}`);
    process.exit(1);
  }
}

// ------------------------------------------------------------------ the table

function report(doc) {
  const fmt = (n, d = 1) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(d));
  const m = doc.machine;
  console.log(`\n${m.cpus} CPUs (${m.model}), ${m.memGiB} GiB, node ${m.node}, load average at the end ${m.loadavgAtEnd.map((l) => l.toFixed(1)).join(" ")}; CPU from ${doc.options.cpuFrom}; ${doc.options.perHost} VMs per host; --parallel ${doc.options.parallel}`);
  const role = (r, k, f = "sumPeakRssMB") => r.roles[k]?.[f];
  const progMB = (r) => (role(r, "langhost") ?? 0) + (role(r, "program") ?? 0);
  const cols = [
    ["wall s", (r) => r.wallS],
    ["CPU s", (r) => r.cpuS],
    ["engine MB", (r) => role(r, "engine")],
    ["langhost+program MB", progMB],
    ["bridges MB", (r) => role(r, "bridge")],
    ["providers MB", (r) => role(r, "provider")],
    ["state KiB", (r) => r.stateKiB],
  ];
  console.log(`\n| op | VMs | hosts | variant | resources | ${cols.map((c) => c[0]).join(" | ")} |`);
  console.log(`| --- | ---: | ---: | --- | ---: | ${cols.map(() => "---:").join(" | ")} |`);
  const groups = new Map();
  for (const r of doc.results) {
    const key = `${r.label}|${r.op}|${r.vms}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  for (const rows of groups.values()) {
    const variants = [...new Set(rows.map((r) => r.variant))];
    const med = (v, f) => median(rows.filter((r) => r.variant === v).map(f));
    for (const v of variants) {
      const r0 = rows.find((r) => r.variant === v);
      console.log(`| ${r0.label === r0.op ? r0.op : `${r0.label}: ${r0.op}`} | ${r0.vms.toLocaleString("en")} | ${r0.hosts} | ${v} | ${r0.resources} | ${cols.map(([, f]) => fmt(med(v, f))).join(" | ")} |`);
    }
    if (variants.length === 2) {
      const [a, b] = rows[0].label.startsWith("split") ? ["one stack", "two stacks"] : ["raw", "virtkit"];
      console.log(`| | | | **${b}/${a}** | | ${cols.map(([, f]) => { const x = med(b, f); const y = med(a, f); return y ? `**${fmt(x / y, 2)}×**` : ""; }).join(" | ")} |`);
    }
  }
  // where the CPU went
  console.log(`\nCPU s by process role (from /proc samples; bridges and providers summed over instances):`);
  console.log(`| op | VMs | variant | ${ROLES.join(" | ")} |`);
  console.log(`| --- | ---: | --- | ${ROLES.map(() => "---:").join(" | ")} |`);
  for (const r of doc.results) console.log(`| ${r.label === r.op ? r.op : `${r.label}: ${r.op}`} | ${r.vms} | ${r.variant} | ${ROLES.map((k) => fmt(r.roles[k]?.cpuS)).join(" | ")} |`);
}

function median(values) {
  const s = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : undefined;
}

main().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
