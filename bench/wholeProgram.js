#!/usr/bin/env node
/*
 * Whole-program benchmark: a Pulumi program of N pinned VMs (20 per two-socket host) run
 * under Pulumi's mock engine, as virtkit components and as the same provider resources
 * declared directly, with and without `virtkit plan`, with and without libvirt's checks.
 *
 *   npm run build && node bench/wholeProgram.js [--sizes 100,1000,5000] [--runs N]
 *
 * Every measurement is a fresh Node process; time is wall clock, with the process's CPU time
 * (user + system) beside it, and memory is the process's peak RSS. Ratios are taken within
 * one run of this script against `floor` of the same size (a plain setMocks script
 * registering the raw resources), so load from elsewhere affects both sides alike.
 * With the real engine built (`bash scripts/engine`) and provider v0.9.7 installed, it also
 * times `pulumi preview` of the components program for sizes up to 1,000.
 */
"use strict";
const { spawnSync } = require("child_process");
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } = require("fs");
const { tmpdir, cpus } = require("os");
const { join } = require("path");
const { parseArgs } = require("util");

const ROOT = join(__dirname, "..");
const SDK = join(ROOT, "dist", "sdk", "src", "index.js");
const PROGRAMS = join(__dirname, "program");

/** What is measured, each in its own process. `argv` gets the scratch directory. */
const MODES = [
  { name: "floor", what: "raw resources, plain setMocks script", argv: (s) => [join(PROGRAMS, "harness.js"), join(PROGRAMS, "raw.js")] },
  { name: "components", what: "virtkit components, plain setMocks script", argv: () => [join(PROGRAMS, "harness.js"), join(PROGRAMS, "components.js")] },
  { name: "plan-raw", what: "raw resources, virtkit plan --no-xml --no-libvirt", argv: () => [join(ROOT, "bin", "virtkit"), "plan", join(PROGRAMS, "raw.js"), "--no-xml", "--no-libvirt"] },
  { name: "plan", what: "components, virtkit plan --no-xml --no-libvirt", argv: () => [join(ROOT, "bin", "virtkit"), "plan", join(PROGRAMS, "components.js"), "--no-xml", "--no-libvirt"] },
  { name: "plan+libvirt", what: "components, virtkit plan --no-xml (schema + test:///default)", argv: () => [join(ROOT, "bin", "virtkit"), "plan", join(PROGRAMS, "components.js"), "--no-xml"] },
];

function measure(mode, vms, scratch) {
  const usageFile = join(scratch, `${mode.name}-${vms}.usage`);
  const env = { ...process.env, VIRTKIT_BENCH_SDK: SDK, VIRTKIT_BENCH_VMS: String(vms), VIRTKIT_BENCH_RAW: join(scratch, `raw-${vms}.json`) };
  // GNU time: wall clock, CPU of the process and the children it waited for (xmllint, virsh), peak RSS
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", "-o", usageFile, process.execPath, ...mode.argv(scratch)], { env, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`/usr/bin/time: ${r.error.message} (Debian package time)`);
  if (r.status !== 0) throw new Error(`${mode.name} ${vms}: exit ${r.status}\n${r.stderr.slice(-2000)}${r.stdout.slice(-2000)}`);
  const [wallS, userS, systemS, maxRssKiB] = readFileSync(usageFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
  return { mode: mode.name, vms, wallS, cpuS: userS + systemS, rssMB: maxRssKiB / 1024 };
}

/** Records the provider resources the components program registers, for raw.js to declare. */
function record(vms, scratch) {
  const env = { ...process.env, VIRTKIT_BENCH_SDK: SDK, VIRTKIT_BENCH_VMS: String(vms) };
  const r = spawnSync(process.execPath, [join(PROGRAMS, "harness.js"), join(PROGRAMS, "components.js"), "--record", join(scratch, `raw-${vms}.json`)], { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`recording ${vms}: ${r.stderr}`);
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

function main() {
  const { values } = parseArgs({ options: { sizes: { type: "string", default: "100,1000,5000" }, runs: { type: "string", default: "1" } } });
  const sizes = values.sizes.split(",").map(Number);
  if (!existsSync(SDK)) {
    console.error(`no compiled SDK at ${SDK}; run \`npm run build\` first`);
    process.exit(1);
  }
  const scratch = mkdtempSync(join(tmpdir(), "virtkit-bench-"));
  const rows = [];
  try {
    for (const vms of sizes) {
      record(vms, scratch);
      for (let run = 0; run < Number(values.runs); run++) for (const mode of MODES) rows.push(measure(mode, vms, scratch));
    }
    const engine = sizes.filter((n) => n <= 1000).map((vms) => ({ vms, ...previewOnEngine(vms, scratch) }));
    report(rows, sizes, engine);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The median of each mode and size (one value with --runs 1). */
function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function report(rows, sizes, engine) {
  const fmt = (n, d = 1) => n.toFixed(d);
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0].model}), load average ${require("os").loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log(MODES.map((m) => `  ${m.name.padEnd(13)} ${m.what}`).join("\n"));
  console.log(`| mode | VMs | wall s | CPU s | ×floor (wall) | ×floor (CPU) | peak RSS MB | RSS KiB per VM beyond ${sizes[0]} VMs |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const vms of sizes) {
    const at = (mode, key) => median(rows.filter((r) => r.mode === mode && r.vms === vms).map((r) => r[key]));
    for (const mode of MODES.map((m) => m.name)) {
      const wall = at(mode, "wallS");
      const cpu = at(mode, "cpuS");
      const rss = at(mode, "rssMB");
      // memory per VM as the growth over the smallest size: flat means linear in VMs
      const first = median(rows.filter((r) => r.mode === mode && r.vms === sizes[0]).map((r) => r.rssMB));
      const perVm = vms === sizes[0] ? "" : fmt(((rss - first) * 1024) / (vms - sizes[0]), 0);
      console.log(`| ${mode} | ${vms.toLocaleString("en")} | ${fmt(wall)} | ${fmt(cpu)} | ${fmt(wall / at("floor", "wallS"), 2)} | ${fmt(cpu / at("floor", "cpuS"), 2)} | ${fmt(rss, 0)} | ${perVm} |`);
    }
  }
  for (const e of engine) console.log(e.skipped ? `pulumi preview of ${e.vms} VMs: not run: ${e.skipped}` : `pulumi preview of ${e.vms} VMs on the real engine: ${fmt(e.wallS)} s`);
}

main();
