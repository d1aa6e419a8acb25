import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { login, TWO_SOCKET_SERVER } from "../hosts";

// A 2-socket NFV host. Its capabilities tell virtkit where every CPU, hugepage and VF
// is, so placement is checked (and chosen, with pinning "auto") before anything exists.
const cfg = new pulumi.Config();
const hv1 = new virtkit.LibvirtHost("hv1", {
  uri: cfg.get("uri") ?? "qemu+ssh://root@hv1/system",
  ...virtkit.readHostFacts(TWO_SOCKET_SERVER),
  reservedCpus: "0-1,32-33", // host housekeeping; also runs the VMs' emulator threads
});

// A virtual router: 8 vCPUs as 4 cores × 2 threads on whole host cores, 8 GiB of 1 GiB
// pages, and two VFs from the PF on NUMA node 0: everything lands on node 0.
const routerMem = new virtkit.HugepageMemory("vrouter-mem", { size: "8GiB", pageSize: "1GiB", locked: true });
const uplink = new virtkit.SriovNic("vrouter-uplink", { host: hv1, pf: "enp59s0f0", vlan: 100, mac: "52:54:00:10:00:01" });
const downlink = new virtkit.SriovNic("vrouter-downlink", { host: hv1, pf: "enp59s0f0", vlan: 200, mac: "52:54:00:10:00:02" });
const routerRoot = new virtkit.Qcow2Volume("vrouter-root", {
  host: hv1,
  pool: "default",
  size: "20GiB",
  baseImage: { url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2" },
});
const vrouter = new virtkit.PinnedVm("vrouter", {
  host: hv1,
  vcpus: 8,
  cpu: { mode: "host-passthrough", topology: { sockets: 1, cores: 4, threads: 2 }, features: [{ name: "invtsc", policy: "require" }] },
  pinning: "auto",
  realtime: { scheduler: "fifo", priority: 1, vcpus: "2-7" },
  memory: routerMem,
  disks: [routerRoot],
  nics: [{ type: "network", network: "default" }, uplink, downlink],
  cloudInit: login(cfg, "vrouter"),
});

// A packet inspector spanning both sockets: two guest NUMA cells, each on its own host
// node with its own VF, behind a PCIe expander bus of its cell.
const dpi = new virtkit.PinnedVm("dpi", {
  host: hv1,
  vcpus: 8,
  cpu: { topology: { sockets: 2, cores: 4, threads: 1 } },
  memory: { size: "8GiB", hugepages: { pageSize: "1GiB" } },
  numa: {
    cells: [
      { cpus: "0-3", memory: "4GiB" },
      { cpus: "4-7", memory: "4GiB" },
    ],
    allowSpanning: true,
  },
  iothreads: 1,
  nics: [
    new virtkit.SriovNic("dpi-west", { host: hv1, pf: "enp59s0f0", mac: "52:54:00:20:00:01" }),
    new virtkit.SriovNic("dpi-east", { host: hv1, pf: "enp175s0f0", mac: "52:54:00:20:00:02" }),
  ],
});

// An inference VM with the GPU of node 1, on 2 MiB pages.
const inference = new virtkit.PinnedVm("inference", {
  host: hv1,
  vcpus: 4,
  memory: new virtkit.HugepageMemory("inference-mem", { size: "4GiB", pageSize: "2MiB" }),
  hostdevs: [new virtkit.PciPassthrough("inference-gpu", { host: hv1, address: "0000:d8:00.0" })],
  firmware: "efi",
});

export const placement = { vrouter: vrouter.placement, dpi: dpi.placement, inference: inference.placement };
export const capacity = hv1.capacity;
export const domainXml = vrouter.domainXml;
