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

const web = new virtkit.PinnedVm("web", {
  host,
  vcpus: 2,
  cpu: { mode: "host-passthrough", topology: { sockets: 1, cores: 2, threads: 1 } },
  pinning: { vcpus: ["2", "3"], emulator: "0-1" },
  memory: { size: "2GiB" },
  disks: [root],
  nics: [{ type: "network", network: "default", model: "virtio" }],
  // ssh ops@<its address> with your key, or `virsh console web` on the host
  cloudInit: login(cfg, "web"),
});

export const domainXml = web.domainXml;
export const placement = web.placement;
export const rootPath = root.path;
