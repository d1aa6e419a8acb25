// A virtkit program of VIRTKIT_BENCH_VMS pinned VMs, 20 per host, on two-socket hosts
// (tests/fixtures/hosts/two-socket). Plain JavaScript so that no run pays for ts-node.
// Knobs for the real-engine benchmark (bench/engine.js); unset, the program is the mock one:
//   VIRTKIT_BENCH_PER_HOST   VMs per host (20)
//   VIRTKIT_BENCH_URI        host URI, "{h}" replaced by the host's index (qemu+ssh://root@hv{h}/system)
//   VIRTKIT_BENCH_FIRST      index of the first VM (0): a split stack takes VMs FIRST..FIRST+VMS-1
//   VIRTKIT_BENCH_QEMU=1     domainType "qemu" (TCG: this machine has no /dev/kvm), running: false
//   VIRTKIT_BENCH_PREFIX     prefix of every resource name, hence of every domain name ("")
"use strict";
const { join } = require("path");
const virtkit = require(process.env.VIRTKIT_BENCH_SDK);

const vms = Number(process.env.VIRTKIT_BENCH_VMS);
const perHost = Number(process.env.VIRTKIT_BENCH_PER_HOST || 20);
const first = Number(process.env.VIRTKIT_BENCH_FIRST || 0);
const uriOf = (h) => (process.env.VIRTKIT_BENCH_URI || "qemu+ssh://root@hv{h}/system").replace("{h}", String(h));
const engineOpts = process.env.VIRTKIT_BENCH_QEMU === "1" ? { domainType: "qemu", running: false } : {};
const hostCount = Math.max(1, Math.round(vms / perHost));
const hostBase = Math.round(first / perHost);
const facts = virtkit.readHostFacts(join(__dirname, "..", "..", "tests", "fixtures", "hosts", "two-socket"));
const hosts = Array.from({ length: hostCount }, (_, i) =>
  new virtkit.LibvirtHost(`hv${hostBase + i}`, { uri: uriOf(hostBase + i), ...facts, reservedCpus: "0-1,32-33" }));

for (let j = 0; j < vms; j++) {
  const i = first + j;
  const host = hosts[j % hostCount];
  const shape = Math.floor(j / hostCount) % 4;
  const name = `${process.env.VIRTKIT_BENCH_PREFIX || ""}vm-${i}`;
  const common = { host, nics: [{ type: "network", network: "default" }], disks: [{ source: { file: `/var/lib/libvirt/images/${name}.qcow2` } }], ...engineOpts };
  switch (shape) {
    case 0:
      new virtkit.PinnedVm(name, { ...common, vcpus: 2, memory: { size: "4GiB" } });
      break;
    case 1:
      new virtkit.PinnedVm(name, { ...common, vcpus: 2, cpu: { topology: { sockets: 1, cores: 1, threads: 2 } },
        memory: new virtkit.HugepageMemory(`${name}-mem`, { size: "1GiB", pageSize: "2MiB" }) });
      break;
    case 2:
      new virtkit.PinnedVm(name, { ...common, vcpus: 2, memory: new virtkit.HugepageMemory(`${name}-mem`, { size: "1GiB", pageSize: "1GiB" }) });
      break;
    default:
      new virtkit.PinnedVm(name, { ...common, vcpus: 4, cpu: { topology: { sockets: 1, cores: 2, threads: 2 } }, memory: { size: "2GiB" } });
  }
}
