/*
 * The host-list half of bench/placement.js: VMs given as PinnedVm arguments, each with
 * `host: [hv0, ..., hvN]` (`list`) or with its one host i mod N (`list-assigned`, the baseline:
 * the same VMs, no choice of host). LibvirtHosts are real components under Pulumi's mock engine.
 * By default each VM goes through what PinnedVm's constructor does to place it, and nothing else:
 * `planOnFirstFit` (hostChoice.ts: candidate hosts, a plan per host tried), then `commitVm`. With
 * `components` each VM is a real PinnedVm instead (registration included, about 10x slower);
 * time inside planOnFirstFit is then measured apart from the rest of the constructor by a
 * wrapper that replaces the module's export, which PinnedVm reads on every call (CommonJS output).
 */
"use strict";
const { join } = require("path");

const ROOT = join(__dirname, "..");
const SDK = join(ROOT, "dist", "sdk", "src", "index.js");
const HOST_CHOICE = join(ROOT, "dist", "sdk", "src", "compute", "pinnedVm", "hostChoice.js");
const PLAN = join(ROOT, "dist", "sdk", "src", "compute", "pinnedVm", "plan.js");
const FIXTURE = join(ROOT, "tests", "fixtures", "hosts", "two-socket");
const VMS_PER_HOST = 20;

let mocked = false;
async function mockEngine() {
  if (mocked) return;
  mocked = true;
  const pulumi = require("@pulumi/pulumi");
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    "bench", "bench", false,
  );
}

/** Wall time (ns) spent in planOnFirstFit since the wrapper was installed. */
let inChoice = 0n;
function timeHostChoice() {
  const mod = require(HOST_CHOICE);
  if (mod.planOnFirstFit.timed) return;
  const original = mod.planOnFirstFit;
  const timed = (...a) => {
    const t = process.hrtime.bigint();
    try {
      return original(...a);
    } finally {
      inChoice += process.hrtime.bigint() - t;
    }
  };
  timed.timed = true;
  mod.planOnFirstFit = timed;
}

/**
 * The i-th VM's arguments: the shapes of placement.js's ledger modes (2 vCPUs with 4 GiB; 2 SMT
 * vCPUs with 1 GiB of 2 MiB pages and an iothread; 2 vCPUs with a 1 GiB page; 4 SMT vCPUs with
 * 2 GiB) without the VFs, since a SriovNic belongs to one host and would pin the VM there.
 */
function vmArgs(i, hostCount, host, name) {
  const common = { host, nics: [{ type: "network", network: "default" }], disks: [{ source: { file: `/var/lib/libvirt/images/${name}.qcow2` } }] };
  switch (Math.floor(i / hostCount) % 4) {
    case 0: return { ...common, vcpus: 2, memory: { size: "4GiB" } };
    case 1: return { ...common, vcpus: 2, iothreads: 1, cpu: { topology: { sockets: 1, cores: 1, threads: 2 } }, memory: { size: "1GiB", hugepages: { pageSize: "2MiB" } } };
    case 2: return { ...common, vcpus: 2, memory: { size: "1GiB", hugepages: { pageSize: "1GiB" } } };
    default: return { ...common, vcpus: 4, cpu: { topology: { sockets: 1, cores: 2, threads: 2 } }, memory: { size: "2GiB" } };
  }
}

/** Declares the hosts, then the VMs; `prefix` keeps a warm-up's names apart from the measured run's. */
function declare(vms, mode, prefix, components) {
  const virtkit = require(SDK);
  const { commitVm } = require(PLAN);
  const choice = require(HOST_CHOICE);
  const hostCount = vms / VMS_PER_HOST;
  const facts = virtkit.readHostFacts(FIXTURE);
  const t0 = process.hrtime.bigint();
  const hosts = Array.from({ length: hostCount }, (_, h) =>
    new virtkit.LibvirtHost(`${prefix}hv${h}`, { uri: `qemu+ssh://root@${prefix}hv${h}/system`, ...facts, reservedCpus: "0-1,16-17,32-33,48-49" }));
  const t1 = process.hrtime.bigint();
  const choice0 = inChoice;
  const cpu0 = process.cpuUsage();
  let placed = 0;
  let failed = 0;
  for (let i = 0; i < vms; i++) {
    const name = `${prefix}vm-${i}`;
    try {
      const args = vmArgs(i, hostCount, mode === "list" ? hosts : hosts[i % hostCount], name);
      if (components) new virtkit.PinnedVm(name, args);
      else {
        // what PinnedVm's constructor does to place the VM, without registering anything
        const chosen = choice.planOnFirstFit(name, args, `PinnedVm "${name}"`);
        commitVm(chosen.host, `PinnedVm "${name}"`, chosen.plan.claims);
      }
      placed++;
    } catch (e) {
      if (failed++ === 0) process.stderr.write(`${name}: ${String(e.message).slice(0, 500)}\n`);
    }
  }
  const t2 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const perHost = hosts.map((h) => h.ledger.claims().length);
  return {
    vms, hosts: hostCount, mode, placed, failed,
    parseMs: Number(t1 - t0) / 1e6,
    placeMs: Number(inChoice - choice0) / 1e6,
    // CPU time of the whole loop: without components, planOnFirstFit and commitVm and little else
    loopCpuMs: (cpu.user + cpu.system) / 1e3,
    declareMs: Number(t2 - t1) / 1e6,
    hostsUsed: perHost.filter((n) => n > 0).length,
  };
}

/** One size in this process, after a warm-up of 200 VMs on their own hosts. */
async function runList(vms, mode, components = false) {
  await mockEngine();
  timeHostChoice();
  declare(200, mode, "warm-", components);
  const row = { ...declare(vms, mode, "", components), components };
  // let the mock engine take the registrations before the process reports and exits
  await require("@pulumi/pulumi").runtime.disconnect();
  return row;
}

module.exports = { runList };
