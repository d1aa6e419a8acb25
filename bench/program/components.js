// A virtkit program of VIRTKIT_BENCH_VMS pinned VMs, 20 per host, on two-socket hosts
// (tests/fixtures/hosts/two-socket). Plain JavaScript so that no run pays for ts-node.
"use strict";
const { join } = require("path");
const virtkit = require(process.env.VIRTKIT_BENCH_SDK);

const vms = Number(process.env.VIRTKIT_BENCH_VMS);
const hostCount = Math.max(1, Math.round(vms / 20));
const facts = virtkit.readHostFacts(join(__dirname, "..", "..", "tests", "fixtures", "hosts", "two-socket"));
const hosts = Array.from({ length: hostCount }, (_, h) =>
  new virtkit.LibvirtHost(`hv${h}`, { uri: `qemu+ssh://root@hv${h}/system`, ...facts, reservedCpus: "0-1,32-33" }));

for (let i = 0; i < vms; i++) {
  const host = hosts[i % hostCount];
  const shape = Math.floor(i / hostCount) % 4;
  const name = `vm-${i}`;
  const common = { host, nics: [{ type: "network", network: "default" }], disks: [{ source: { file: `/var/lib/libvirt/images/${name}.qcow2` } }] };
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
