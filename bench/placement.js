#!/usr/bin/env node
/*
 * Placement benchmark for the host layer (sdk/src/host), on the compiled output.
 *
 *   npx tsc -p tsconfig.json        # emits dist/ (also when unrelated files have type errors)
 *   node bench/placement.js         # or: npm run bench
 *
 * Every size runs in a fresh Node process (with --expose-gc) so that heap and RSS
 * figures of one size do not include the garbage of another. Hosts are 2-socket
 * servers shaped like tests/fixtures/hosts/two-socket (64 CPUs, 2 NUMA nodes, 2 MiB and
 * 1 GiB pools, two SR-IOV PFs with 8 + 4 VFs), one parse of the fixture XML per host.
 * 20 VMs per host: 1,000 VMs on 50 hosts, and the same density for 100 and 5,000.
 *
 * Modes: `assigned` and `first-fit` place demands on ledgers (HostLedger.place after
 * spreadAcrossHosts, or after pickHostWithCapacity); `list-assigned` and `list` go through
 * PinnedVm's host choice (planOnFirstFit, then commitVm) with one host per VM or with
 * `host: [every host]`, under Pulumi's mock engine (see placementHostList.js).
 *   node bench/placement.js [--modes list,list-assigned] [--sizes 100,1000] [--runs 3]
 */
"use strict";
const { execFileSync } = require("child_process");
const { readFileSync, readdirSync, existsSync } = require("fs");
const { join } = require("path");

const ROOT = join(__dirname, "..");
const DIST = join(ROOT, "dist", "sdk", "src", "host", "index.js");
const FIXTURE = join(ROOT, "tests", "fixtures", "hosts", "two-socket");
const VMS_PER_HOST = 20;
const { parseArgs } = require("util");
const { runList } = require("./placementHostList.js");
const LEDGER_MODES = ["assigned", "first-fit"];
const LIST_MODES = ["list-assigned", "list"];
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The i-th VM of a run over `hosts` hosts: four shapes, each host gets 5 of each. */
function demand(i, hosts) {
  const kind = Math.floor(i / hosts) % 4;
  const base = { owner: `PinnedVm "vm-${i}"`, pinning: "auto", iothreads: 0, emulator: "housekeeping", numa: "local", devices: [] };
  const nic = (pf) => [{ kind: "vf", owner: `SriovNic "nic-${i}"`, path: "nics[0]", ...(pf ? { pf } : {}) }];
  switch (kind) {
    case 0: return { ...base, vcpus: 2, threadsPerCore: 1, memory: { bytes: 4 * GiB } };
    case 1: return { ...base, vcpus: 2, threadsPerCore: 2, iothreads: 1, memory: { bytes: GiB, pageSizeBytes: 2 * MiB } };
    case 2: return { ...base, vcpus: 2, threadsPerCore: 1, memory: { bytes: GiB, pageSizeBytes: GiB }, devices: nic() };
    default: return { ...base, vcpus: 4, threadsPerCore: 2, memory: { bytes: 2 * GiB }, devices: nic("enp59s0f0") };
  }
}

function mb(bytes) {
  return Math.round((bytes / MiB) * 10) / 10;
}

/** One size, in this process, after a warm-up run so JIT compilation does not land in the smallest size. */
function runOne(vms, mode) {
  measure(200, mode);
  return measure(vms, mode);
}

/** Parses the hosts, then places the VMs by assignment (spreadAcrossHosts) or by first fit. */
function measure(vms, mode) {
  const host = require(DIST);
  const caps = readFileSync(join(FIXTURE, "capabilities.xml"), "utf8");
  const devs = readdirSync(join(FIXTURE, "nodedev")).sort().map((f) => readFileSync(join(FIXTURE, "nodedev", f), "utf8"));
  const hosts = vms / VMS_PER_HOST;
  const names = Array.from({ length: hosts }, (_, h) => `hv${h}`);
  global.gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;

  const t0 = process.hrtime.bigint();
  const ledgers = names.map((n) => new host.HostLedger(n, host.buildHostModel(caps, devs), { reservedCpus: [0, 1, 32, 33, 16, 17, 48, 49] }));
  const t1 = process.hrtime.bigint();

  let placed = 0;
  let failed = 0;
  if (mode === "assigned") {
    // spreadAcrossHosts gives VM i host i mod hosts: every host gets its share, no search.
    const vmNames = Array.from({ length: vms }, (_, i) => `vm-${i}`);
    const where = host.spreadAcrossHosts(names, vmNames);
    const byName = new Map(ledgers.map((l) => [l.hostName, l]));
    for (let i = 0; i < vms; i++) (byName.get(where[`vm-${i}`]).place(demand(i, hosts)).placement ? placed++ : failed++);
  } else {
    // First fit: dry runs on full hosts before the one that takes the VM.
    for (let i = 0; i < vms; i++) {
      const d = demand(i, hosts);
      const l = host.pickHostWithCapacity(ledgers, d);
      if (l && l.place(d).placement) placed++;
      else failed++;
    }
  }
  const t2 = process.hrtime.bigint();
  const rssPeak = process.memoryUsage().rss;
  global.gc();
  const heap1 = process.memoryUsage().heapUsed;
  const usedCpus = ledgers.reduce((s, l) => s + host.capacityReport(l).nodes.reduce((a, n) => a + n.cpus.used, 0), 0);
  return {
    vms, hosts, mode, placed, failed, usedCpus,
    parseMs: Number(t1 - t0) / 1e6,
    placeMs: Number(t2 - t1) / 1e6,
    retainedHeapMB: mb(heap1 - heap0),
    rssGrowthMB: mb(rssPeak - rss0),
    rssMB: mb(rssPeak),
  };
}

function options() {
  const { values } = parseArgs({ options: { modes: { type: "string", default: [...LEDGER_MODES, ...LIST_MODES].join(",") }, sizes: { type: "string", default: "100,1000,5000" }, runs: { type: "string", default: "1" } } });
  return { modes: values.modes.split(","), sizes: values.sizes.split(",").map(Number), runs: Number(values.runs) };
}

function main() {
  if (!existsSync(DIST)) {
    console.error(`no compiled host layer at ${DIST}; run \`npx tsc -p tsconfig.json\` first`);
    process.exit(1);
  }
  const { modes, sizes, runs } = options();
  const rows = [];
  for (let run = 0; run < runs; run++) {
    for (const mode of modes) {
      for (const vms of sizes) {
        const out = execFileSync(process.execPath, ["--expose-gc", __filename, "--one", String(vms), mode], { encoding: "utf8", maxBuffer: 1 << 26 });
        rows.push({ ...JSON.parse(out), run });
      }
    }
  }
  console.log(`node ${process.version}, ${require("os").cpus().length} CPUs (${require("os").cpus()[0].model}), load average ${require("os").loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  ledgerTable(rows.filter((r) => LEDGER_MODES.includes(r.mode)), sizes);
  listTable(rows.filter((r) => LIST_MODES.includes(r.mode)));
}

function ledgerTable(rows, sizes) {
  if (!rows.length) return;
  const fmt = (n, d = 1) => n.toFixed(d);
  console.log("mode       VMs    hosts  placed  failed  parse ms  place ms  µs/VM   ×base  heap MB  KiB/VM  ×base  RSS+ MB  RSS MB");
  for (const r of rows) {
    const base = rows.find((x) => x.mode === r.mode && x.run === r.run && x.vms === sizes[0]) ?? r;
    const perVm = (x) => (x.placeMs * 1000) / x.vms;
    const heapPerVm = (x) => (x.retainedHeapMB * 1024) / x.vms;
    console.log(
      [
        r.mode.padEnd(9), String(r.vms).padStart(5), String(r.hosts).padStart(6), String(r.placed).padStart(7), String(r.failed).padStart(7),
        fmt(r.parseMs).padStart(9), fmt(r.placeMs).padStart(9), fmt(perVm(r)).padStart(7), fmt(perVm(r) / perVm(base), 2).padStart(6),
        fmt(r.retainedHeapMB).padStart(8), fmt(heapPerVm(r)).padStart(7), fmt(heapPerVm(r) / heapPerVm(base), 2).padStart(6),
        fmt(r.rssGrowthMB).padStart(8), fmt(r.rssMB).padStart(7),
      ].join(" "),
    );
  }
}

/** Host-list rows: time inside planOnFirstFit (wall), CPU of the whole loop, and the search's cost over the one-host baseline of the same run. */
function listTable(rows) {
  if (!rows.length) return;
  const fmt = (n, d = 1) => n.toFixed(d);
  console.log("mode           VMs  hosts  placed  failed  hosts used  planOnFirstFit ms  µs/VM  loop CPU ms  search ms (over list-assigned)");
  for (const r of rows) {
    const base = rows.find((x) => x.mode === "list-assigned" && x.run === r.run && x.vms === r.vms);
    const search = r.mode === "list" && base ? fmt(r.placeMs - base.placeMs, 0) : "";
    console.log(
      [
        r.mode.padEnd(13), String(r.vms).padStart(5), String(r.hosts).padStart(6), String(r.placed).padStart(7), String(r.failed).padStart(7),
        String(r.hostsUsed).padStart(11), fmt(r.placeMs).padStart(18), fmt((r.placeMs * 1000) / r.vms, 0).padStart(6), fmt(r.loopCpuMs).padStart(12), search.padStart(10),
      ].join(" "),
    );
  }
}

async function one(vms, mode) {
  const row = LIST_MODES.includes(mode) ? await runList(vms, mode) : runOne(vms, mode);
  process.stdout.write(JSON.stringify(row));
}

if (process.argv[2] === "--one") one(Number(process.argv[3]), process.argv[4]).catch((e) => { console.error(e); process.exit(1); });
else main();
