import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { login } from "../hosts";

// The smallest useful program: no host facts, so pinning is explicit. Every host-specific
// choice is stack config (declared with its default in Pulumi.yaml), so the same program runs
// on another machine: `pulumi config set vcpuPins '["0","1"]' --json`, and so on.
const cfg = new pulumi.Config();
const host = new virtkit.LibvirtHost("local", { uri: cfg.get("uri") ?? "qemu:///system" });
// "qemu" (TCG, emulated) where the host has no /dev/kvm; libvirt cannot even define a "kvm" domain there
const domainType = (cfg.get("domainType") ?? "kvm") as "kvm" | "qemu";

const root = new virtkit.Qcow2Volume("web-root", {
  host,
  pool: cfg.get("pool") ?? "default",
  size: "20GiB",
  // a URL, a file:// URL or an absolute path on the machine running pulumi
  baseImage: { url: cfg.get("baseImage") ?? "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2" },
});

// Data apart from the images, on a pool of its own, raw (no format layer on its I/O path).
// Raise dataSize to grow it in place, keeping its data; a smaller size is refused by preview.
const dataPool = new virtkit.StoragePool("data", { host, name: cfg.get("dataPool") ?? "data", type: "dir", path: cfg.get("dataPoolPath") ?? "/var/lib/virtkit/data" });
const data = new virtkit.Qcow2Volume("web-data", { host, pool: dataPool, size: cfg.get("dataSize") ?? "10GiB", format: "raw" });

const name = cfg.get("vmName") ?? "web";
const web = new virtkit.PinnedVm("web", {
  host,
  domainName: name,
  domainType,
  vcpus: 2,
  // the host's own CPU under KVM; under TCG the most QEMU emulates (libvirt cannot start a
  // host-passthrough CPU without KVM)
  cpu: { mode: domainType === "kvm" ? "host-passthrough" : "maximum", topology: { sockets: 1, cores: 2, threads: 1 } },
  // one host CPU per vCPU; the emulator (and the disks' iothread) on others
  pinning: { vcpus: cfg.getObject<string[]>("vcpuPins") ?? ["2", "3"], emulator: cfg.get("emulatorPin") ?? "0-1" },
  memory: { size: "2GiB" },
  // both served by an iothread pinned with the emulator, off the vCPUs' CPUs
  disks: [root, data],
  nics: [{ type: "network", network: cfg.get("network") ?? "default", model: "virtio" }],
  // ssh ops@<its address> with your key, or `virsh console web` on the host
  cloudInit: login(cfg, name),
});

export const domainXml = web.domainXml;
export const placement = web.placement;
export const rootPath = root.path;
export const dataPath = data.path;
