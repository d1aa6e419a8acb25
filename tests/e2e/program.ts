/**
 * The program the end-to-end suite runs with the real engine, and the knobs each step
 * turns. The program is plain virtkit as a user writes it; the knobs file next to it is
 * how a step edits the program without rewriting it.
 */

export interface Knobs {
  uri: string;
  /** `virsh capabilities` of the host, read by the test before the run. */
  capabilities: string;
  pool: string;
  network: string;
  bridge: string;
  /** A small qcow2 file the test made: the overlay's base image. */
  baseImage: string;
  domainName: string;
  domainType: "kvm" | "qemu";
  chipset: "q35" | "i440fx";
  pins: string[];
  emulator: string;
  /** 2 MiB hugepages from host node 0 when the host has a pool for them. */
  hugepages: boolean;
  dataSize: string;
  /** Allow the encrypted data volume to be replaced (unprotects it, so destroy may remove it). */
  dataAllowReplace: boolean;
  /** Pins applied live by virtkit's LivePinning instead of the provider's restart. */
  livePinning: boolean;
  /**
   * A second VM, defined and never started, with what the running one cannot have here: a VLAN
   * on a VF NIC, a vhost-user NIC on shared hugepages, two guest NUMA cells with a PCIe expander
   * bus and a passthrough device behind it, a VNC display. Its memory (MiB) changes while it is off.
   */
  idle: { name: string; memoryMiB: number; vlan: number; uri: string };
}

export const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "@pulumi/libvirt";
import * as virtkit from "virtkit";
import { readFileSync } from "node:fs";

const k = JSON.parse(readFileSync(\`\${__dirname}/knobs.json\`, "utf8"));
const cfg = new pulumi.Config();

const host = new virtkit.LibvirtHost("local", { uri: k.uri, capabilities: readFileSync(k.capabilities, "utf8") });

// an isolated libvirt network (no forwarding, no DHCP): the VM's NIC is plugged into it
const net = new libvirt.Network("net", { name: k.network, bridge: { name: k.bridge }, autostart: false }, { provider: host.provider });

const root = new virtkit.Qcow2Volume("root", { host, pool: k.pool, size: "64MiB", baseImage: { url: k.baseImage }, allowReplace: true });
const data = new virtkit.Qcow2Volume("data", {
  host,
  pool: k.pool,
  size: k.dataSize,
  encryption: { passphrase: cfg.requireSecret("luksPassphrase") },
  allowReplace: k.dataAllowReplace,
});

const memory = k.hugepages ? new virtkit.HugepageMemory("mem", { size: "64MiB", pageSize: "2MiB", hostNodes: "0" }) : { size: "64MiB" };

const vm = new virtkit.PinnedVm(
  "vm",
  {
    host,
    vcpus: 2,
    cpu: { topology: { sockets: 1, cores: 2, threads: 1 } },
    domainType: k.domainType,
    domainName: k.domainName,
    chipset: k.chipset,
    pinning: { vcpus: k.pins, emulator: k.emulator },
    memory,
    numa: { hostNodes: "0", mode: "strict" },
    disks: [root, data],
    nics: [{ type: "network", network: k.network, mac: "52:54:00:e2:e0:01" }],
    running: true,
    livePinning: k.livePinning,
  },
  { dependsOn: [net] },
);

// never started: libvirt refuses a VLAN on this kind of network at start, not at define. On a
// host of its own (another URI of the same libvirtd, no capabilities), so it is not placed.
const idleHost = new virtkit.LibvirtHost("idle-host", { uri: k.idle.uri });
const idle = new virtkit.PinnedVm(
  "idle",
  {
    host: idleHost,
    domainType: k.domainType,
    domainName: k.idle.name,
    vcpus: 2,
    memory: { size: \`\${k.idle.memoryMiB}MiB\`, hugepages: { pageSize: "2MiB" }, access: "shared" },
    numa: { cells: [{ cpus: "0", memory: \`\${k.idle.memoryMiB / 2}MiB\` }, { cpus: "1", memory: \`\${k.idle.memoryMiB / 2}MiB\` }] },
    expanderBuses: [{ guestNode: 1 }],
    hostdevs: [{ address: "0000:3b:00.0", guestNode: 1 }],
    graphics: { type: "vnc" },
    nics: [
      // a VF from a hostdev network, the NIC kind that takes a VLAN
      { type: "hostdev-network", network: k.network, mac: "52:54:00:e2:e0:02", vlan: k.idle.vlan },
      { type: "vhostuser", path: \`/run/\${k.idle.name}.sock\`, mode: "server", mac: "52:54:00:e2:e0:03" },
    ],
    running: false,
  },
  { dependsOn: [net] },
);
export const idleXml = idle.domainXml;

export const domainXml = vm.domainXml;
export const uuid = vm.uuid;
export const dataPath = data.path;
export const dataSecret = data.secretUuid;
`;
