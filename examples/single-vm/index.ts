import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { login } from "../hosts";

// The smallest useful program: no host facts, so pinning is explicit.
const cfg = new pulumi.Config();
const host = new virtkit.LibvirtHost("local", { uri: cfg.get("uri") ?? "qemu:///system" });

const root = new virtkit.Qcow2Volume("web-root", {
  host,
  pool: "default",
  size: "20GiB",
  baseImage: { url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2" },
});

// Data apart from the images, on a pool of its own, raw (no format layer on its I/O path).
// Raise dataSize to grow it in place, keeping its data; a smaller size is refused by preview.
const dataPool = new virtkit.StoragePool("data", { host, type: "dir", path: "/var/lib/virtkit/data" });
const data = new virtkit.Qcow2Volume("web-data", { host, pool: dataPool, size: cfg.get("dataSize") ?? "10GiB", format: "raw" });

const web = new virtkit.PinnedVm("web", {
  host,
  vcpus: 2,
  cpu: { mode: "host-passthrough", topology: { sockets: 1, cores: 2, threads: 1 } },
  pinning: { vcpus: ["2", "3"], emulator: "0-1" },
  memory: { size: "2GiB" },
  // both served by an iothread pinned with the emulator, off the vCPUs' CPUs
  disks: [root, data],
  nics: [{ type: "network", network: "default", model: "virtio" }],
  // ssh ops@<its address> with your key, or `virsh console web` on the host
  cloudInit: login(cfg, "web"),
});

export const domainXml = web.domainXml;
export const placement = web.placement;
export const rootPath = root.path;
export const dataPath = data.path;
