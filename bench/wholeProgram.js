#!/usr/bin/env node
/*
 * Whole-program benchmark: a Pulumi program of N pinned VMs (20 per two-socket host) run
 * under Pulumi's mock engine, as virtkit components and as the same provider resources
 * declared directly, with and without `virtkit plan`, with and without libvirt's checks.
 *
 *   npm run build && node bench/wholeProgram.js [--sizes 100,1000,5000] [--runs N]
 *     [--modes floor,components] [--baseline DIR] [--jobs N]
 *
 * --modes measures only the modes named; --baseline DIR adds `components-before`, the components
 * program on the SDK compiled in DIR (a `dist` of the commit to compare with), measured in the same
 * run; --jobs N runs N measurements at a time (each still one process, timed on its own: CPU time is
 * the figure to read then, wall time includes the others' competition).
 *
 * Every measurement is a fresh Node process; time is wall clock, with the process's CPU time
 * (user + system) beside it, and memory is the process's peak RSS. Ratios are taken within
 * one run of this script against `floor` of the same size (a plain setMocks script
 * registering the raw resources), so load from elsewhere affects both sides alike.
 * With the real engine built (`bash scripts/engine`) and provider v0.9.7 installed, it also
 * times `pulumi preview` of the components program for sizes up to 1,000.
 */
"use strict";
const { spawn, spawnSync } = require("child_process");
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } = require("fs");
const { tmpdir, cpus } = require("os");
const { join, resolve } = require("path");
const { parseArgs } = require("util");

const ROOT = join(__dirname, "..");
const SDK = join(ROOT, "dist", "sdk", "src", "index.js");
const PROGRAMS = join(__dirname, "program");

/** What is measured, each in its own process. `argv` gets the scratch directory. */
const MODES = [
  { name: "floor", what: "raw resources, plain setMocks script", argv: (s) => [join(PROGRAMS, "harness.js"), join(PROGRAMS, "raw.js")] },
  { name: "wrapped", what: "raw resources under plain ComponentResources of virtkit's types, no virtkit code", argv: () => [join(PROGRAMS, "harness.js"), join(PROGRAMS, "wrapped.js")], optional: true },
  { name: "components", what: "virtkit components, plain setMocks script", argv: () => [join(PROGRAMS, "harness.js"), join(PROGRAMS, "components.js")] },
  { name: "components-before", what: "virtkit components on the --baseline SDK, plain setMocks script", argv: () => [join(PROGRAMS, "harness.js"), join(PROGRAMS, "components.js")], baseline: true },
  { name: "plan-raw", what: "raw resources, virtkit plan --no-xml --no-libvirt", argv: () => [join(ROOT, "bin", "virtkit"), "plan", join(PROGRAMS, "raw.js"), "--no-xml", "--no-libvirt"] },
  { name: "plan", what: "components, virtkit plan --no-xml --no-libvirt", argv: () => [join(ROOT, "bin", "virtkit"), "plan", join(PROGRAMS, "components.js"), "--no-xml", "--no-libvirt"] },
  { name: "plan+libvirt", what: "components, virtkit plan --no-xml (schema + test:///default)", argv: () => [join(ROOT, "bin", "virtkit"), "plan", join(PROGRAMS, "components.js"), "--no-xml"] },
];

/** One fresh process under GNU time; resolves to its wall, CPU and peak RSS. */
function measure(mode, vms, scratch, baseline) {
  const usageFile = join(scratch, `${mode.name}-${vms}-${Math.random().toString(36).slice(2)}.usage`);
  const sdk = mode.baseline ? resolve(baseline, "sdk", "src", "index.js") : SDK;
  const env = { ...process.env, VIRTKIT_BENCH_SDK: sdk, VIRTKIT_BENCH_VMS: String(vms), VIRTKIT_BENCH_RAW: join(scratch, `raw-${vms}.json`) };
  // GNU time: wall clock, CPU of the process and the children it waited for (xmllint, virsh), peak RSS
  const child = spawn("/usr/bin/time", ["-f", "%e %U %S %M", "-o", usageFile, process.execPath, ...mode.argv(scratch)], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`/usr/bin/time: ${e.message} (Debian package time)`)));
    child.on("close", (status) => {
      if (status !== 0) return reject(new Error(`${mode.name} ${vms}: exit ${status}\n${stderr}`));
      const [wallS, userS, systemS, maxRssKiB] = readFileSync(usageFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
      process.stderr.write(`${mode.name} ${vms}: ${(userS + systemS).toFixed(1)} s CPU\n`);
      resolve({ mode: mode.name, vms, wallS, cpuS: userS + systemS, rssMB: maxRssKiB / 1024 });
    });
  });
}

/** Runs the tasks, `jobs` at a time, in order of start. */
async function pool(tasks, jobs) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results;
}

/** Records the provider resources the components program registers, for raw.js to declare. */
function record(vms, scratch) {
  const env = { ...process.env, VIRTKIT_BENCH_SDK: SDK, VIRTKIT_BENCH_VMS: String(vms) };
  const child = spawn(process.execPath, [join(PROGRAMS, "harness.js"), join(PROGRAMS, "components.js"), "--record", join(scratch, `raw-${vms}.json`)], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => child.on("close", (status) => (status === 0 ? resolve() : reject(new Error(`recording ${vms}: ${stderr}`)))));
}

/** `pulumi preview` of the components program on the real engine, where provider v0.9.7 is installed. */
function previewOnEngine(vms, scratch) {
  const envScript = spawnSync("bash", ["-c", `eval "$(bash ${JSON.stringify(join(ROOT, "scripts", "engine"))} env)" && node -e 'process.stdout.write(JSON.stringify(process.env))'`], { encoding: "utf8" });
  if (envScript.status !== 0) return { skipped: "the real engine is not built (bash scripts/engine)" };
  const env = JSON.parse(envScript.stdout);
  if (env.VIRTKIT_LIBVIRT_PROVIDER_MISSING) return { skipped: "provider v0.9.7 is not installed (see README, The real Pulumi engine)" };
  const dir = join(scratch, `engine-${vms}`);
  mkdirSync(join(dir, "state"), { recursive: true });
  writeFileSync(join(dir, "Pulumi.yaml"), "name: virtkit-bench\nruntime: nodejs\nmain: index.js\n");
  writeFileSync(join(dir, "index.js"), `process.env.VIRTKIT_BENCH_VMS = "${vms}"; process.env.VIRTKIT_BENCH_SDK = ${JSON.stringify(SDK)}; require(${JSON.stringify(join(PROGRAMS, "components.js"))});\n`);
  const penv = { ...env, PULUMI_CONFIG_PASSPHRASE: "bench", PULUMI_BACKEND_URL: `file://${join(dir, "state")}`, NODE_PATH: join(ROOT, "node_modules") };
  const run = (args) => spawnSync("pulumi", args, { cwd: dir, env: penv, encoding: "utf8", maxBuffer: 1 << 30 });
  const init = run(["stack", "init", "bench", "--secrets-provider", "passphrase", "--non-interactive"]);
  if (init.status !== 0) throw new Error(`pulumi stack init: ${init.stderr}`);
  const t0 = process.hrtime.bigint();
  const preview = run(["preview", "--non-interactive", "--diff=false"]);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (preview.status !== 0) throw new Error(`pulumi preview ${vms}: ${preview.stderr.slice(-2000)}${preview.stdout.slice(-2000)}`);
  return { wallS };
}

async function main() {
  const options = { sizes: { type: "string", default: "100,1000,5000" }, runs: { type: "string", default: "1" }, modes: { type: "string" }, baseline: { type: "string" }, jobs: { type: "string", default: "1" } };
  const { values } = parseArgs({ options });
  const sizes = values.sizes.split(",").map(Number);
  // without --modes, every mode but the optional ones (components-before needs --baseline anyway)
  const wanted = values.modes ? values.modes.split(",") : MODES.filter((m) => !m.optional).map((m) => m.name);
  const modes = MODES.filter((m) => wanted.includes(m.name) && (!m.baseline || values.baseline));
  if (values.baseline && !existsSync(join(values.baseline, "sdk", "src", "index.js"))) throw new Error(`no compiled SDK under --baseline ${values.baseline}`);
  if (!existsSync(SDK)) {
    console.error(`no compiled SDK at ${SDK}; run \`npm run build\` first`);
    process.exit(1);
  }
  const scratch = mkdtempSync(join(tmpdir(), "virtkit-bench-"));
  try {
    // the modes that declare the recorded resources wait for their recording; the others start at once
    const recorded = new Map(sizes.map((vms) => [vms, record(vms, scratch)]));
    const task = (mode, vms) => async () => {
      if (!mode.argv(scratch).some((a) => a.endsWith("components.js"))) await recorded.get(vms);
      return measure(mode, vms, scratch, values.baseline);
    };
    const tasks = sizes.flatMap((vms) => Array.from({ length: Number(values.runs) }, () => modes.map((mode) => task(mode, vms))).flat());
    const rows = await pool(tasks, Number(values.jobs));
    const engine = values.modes ? [] : sizes.filter((n) => n <= 1000).map((vms) => ({ vms, ...previewOnEngine(vms, scratch) }));
    report(rows, sizes, engine, modes);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The median of each mode and size (one value with --runs 1). */
function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function report(rows, sizes, engine, modes) {
  const fmt = (n, d = 1) => n.toFixed(d);
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0].model}), load average ${require("os").loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log(modes.map((m) => `  ${m.name.padEnd(13)} ${m.what}`).join("\n"));
  console.log(`| mode | VMs | wall s | CPU s | ×floor (wall) | ×floor (CPU) | peak RSS MB | RSS KiB per VM beyond ${sizes[0]} VMs |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const vms of sizes) {
    const at = (mode, key) => median(rows.filter((r) => r.mode === mode && r.vms === vms).map((r) => r[key]));
    for (const mode of modes.map((m) => m.name)) {
      const wall = at(mode, "wallS");
      const cpu = at(mode, "cpuS");
      const rss = at(mode, "rssMB");
      // memory per VM as the growth over the smallest size: flat means linear in VMs
      const first = median(rows.filter((r) => r.mode === mode && r.vms === sizes[0]).map((r) => r.rssMB));
      const perVm = vms === sizes[0] ? "" : fmt(((rss - first) * 1024) / (vms - sizes[0]), 0);
      const floor = (key, value) => (modes.some((m) => m.name === "floor") ? fmt(value / at("floor", key), 2) : "");
      console.log(`| ${mode} | ${vms.toLocaleString("en")} | ${fmt(wall)} | ${fmt(cpu)} | ${floor("wallS", wall)} | ${floor("cpuS", cpu)} | ${fmt(rss, 0)} | ${perVm} |`);
    }
  }
  for (const e of engine) console.log(e.skipped ? `pulumi preview of ${e.vms} VMs: not run: ${e.skipped}` : `pulumi preview of ${e.vms} VMs on the real engine: ${fmt(e.wallS)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
