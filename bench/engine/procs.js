// Samples a process tree through /proc: per process its own CPU time (utime + stime) and its
// peak resident set (VmHWM, which the kernel keeps, so a sample between two peaks loses
// nothing but the last interval of a process that exits). Processes are grouped by role:
// the Pulumi CLI (engine), the Node language host, the Node program, the bridge
// (pulumi-resource-terraform-provider), the Terraform libvirt provider, Node dynamic providers.
// Peak RSS counts the shared text of a binary in every process; the peak of RssAnon (private
// anonymous memory, sampled) is what each further process really adds.
"use strict";
const { readdirSync, readFileSync } = require("fs");

const HZ = 100; // USER_HZ on Linux

/** The role of a process from its command name and command line. */
function roleOf(comm, cmdline) {
  if (comm === "pulumi") return "engine";
  if (cmdline.includes("pulumi-language-nodejs")) return "langhost";
  if (cmdline.includes("dynamic-provider") || cmdline.includes("pulumi-resource-pulumi-nodejs")) return "dynamic";
  if (comm === "node" && cmdline.includes("cmd/run")) return "program";
  if (cmdline.includes("pulumi-resource-terraform-provider")) return "bridge";
  if (cmdline.includes("terraform-provider-libvirt")) return "provider";
  return "other";
}

function readStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    const comm = s.slice(s.indexOf("(") + 1, close);
    const f = s.slice(close + 2).split(" ");
    // f[0] = state (field 3); ppid field 4, utime 14, stime 15, starttime 22
    return { comm, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), start: f[19] };
  } catch {
    return undefined;
  }
}

/** Peak resident set (VmHWM) and private anonymous memory now (RssAnon), KiB. */
function readMemKiB(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    const anon = /RssAnon:\s+(\d+)/.exec(s);
    return { hwm: hwm ? Number(hwm[1]) : 0, anon: anon ? Number(anon[1]) : 0 };
  } catch {
    return { hwm: 0, anon: 0 };
  }
}

function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

class TreeSampler {
  constructor(rootPid, intervalMs = 250) {
    this.rootPid = rootPid;
    this.intervalMs = intervalMs;
    /** key pid:starttime -> { pid, role, comm, ticks, hwmKiB } */
    this.procs = new Map();
    this.tracked = new Set([rootPid]);
  }

  start() {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  sample() {
    const stats = new Map();
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const st = readStat(name);
      if (st) stats.set(Number(name), st);
    }
    // descendants of the root, and processes seen before (reparented to init when their parent died)
    const children = new Map();
    for (const [pid, st] of stats) {
      if (!children.has(st.ppid)) children.set(st.ppid, []);
      children.get(st.ppid).push(pid);
    }
    const queue = [this.rootPid];
    const inTree = new Set();
    while (queue.length) {
      const pid = queue.pop();
      if (inTree.has(pid) || !stats.has(pid)) continue;
      inTree.add(pid);
      for (const c of children.get(pid) ?? []) queue.push(c);
    }
    for (const [pid, st] of stats) {
      const key = `${pid}:${st.start}`;
      let p = this.procs.get(key);
      if (!p && !inTree.has(pid)) continue;
      if (!p) {
        p = { pid, comm: "", role: "other", ticks: 0, hwmKiB: 0, anonKiB: 0 };
        this.procs.set(key, p);
      }
      if (p.comm !== st.comm) {
        p.comm = st.comm;
        p.role = roleOf(st.comm, readCmdline(pid));
      }
      p.ticks = Math.max(p.ticks, st.ticks);
      const mem = readMemKiB(pid);
      p.hwmKiB = Math.max(p.hwmKiB, mem.hwm);
      p.anonKiB = Math.max(p.anonKiB, mem.anon);
    }
  }

  /** Live processes of the tree (pids), for cleanup. */
  alive() {
    return [...this.procs.values()].filter((p) => readStat(p.pid)).map((p) => p.pid);
  }

  stop() {
    clearInterval(this.timer);
    this.sample();
    const roles = {};
    for (const p of this.procs.values()) {
      const r = (roles[p.role] ??= { count: 0, cpuS: 0, peakRssMB: 0, sumPeakRssMB: 0, sumPeakAnonMB: 0 });
      r.count++;
      r.cpuS += p.ticks / HZ;
      r.peakRssMB = Math.max(r.peakRssMB, p.hwmKiB / 1024);
      r.sumPeakRssMB += p.hwmKiB / 1024;
      r.sumPeakAnonMB += p.anonKiB / 1024;
    }
    const cpuS = Object.values(roles).reduce((s, r) => s + r.cpuS, 0);
    return { cpuS, roles };
  }
}

module.exports = { TreeSampler, roleOf };
