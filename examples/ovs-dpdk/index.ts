import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { TWO_SOCKET_SERVER } from "../hosts";

// The 2-socket host of examples/nfv-host, here with its networks: a NAT management network
// with DHCP, an Open vSwitch bridge for tenants, and a pool of the VFs of the PF on node 0.
const cfg = new pulumi.Config();
const hv1 = new virtkit.LibvirtHost("hv1", {
  uri: cfg.get("uri") ?? "qemu+ssh://root@hv1/system",
  ...virtkit.readHostFacts(TWO_SOCKET_SERVER),
  reservedCpus: "0-1,32-33",
});

const mgmt = new virtkit.VirtualNetwork("mgmt", {
  host: hv1,
  mode: "nat",
  bridge: "virbr-mgmt",
  ipv4: { address: "192.168.50.1/24", dhcp: { start: "192.168.50.100", end: "192.168.50.199" } },
});
const tenant = new virtkit.VirtualNetwork("tenant", { host: hv1, mode: "openvswitch", bridge: "br-tenant" });
const vfPool = new virtkit.VirtualNetwork("vf-pool", { host: hv1, mode: "hostdev", pf: "enp59s0f0" });

// A DPDK firewall: its data-plane NICs are vhost-user ports of the host's OVS-DPDK, which maps
// the guest's RAM to reach the rings, so the memory is 1 GiB pages shared with the switch.
// QEMU creates the sockets (mode "server"), so a restarted switch reconnects to a running guest.
const fw = new virtkit.PinnedVm("dpdk-fw", {
  host: hv1,
  vcpus: 4,
  cpu: { topology: { sockets: 1, cores: 2, threads: 2 } },
  pinning: "auto",
  memory: new virtkit.HugepageMemory("dpdk-fw-mem", { size: "4GiB", pageSize: "1GiB", locked: true, shared: true }),
  nics: [
    mgmt,
    { type: "vhostuser", path: "/var/run/openvswitch/vhu-fw-in", mode: "server", mac: "52:54:00:50:00:01" },
    { type: "vhostuser", path: "/var/run/openvswitch/vhu-fw-out", mode: "server", mac: "52:54:00:50:00:02" },
  ],
});

// A tenant VM: a port on the OVS bridge (through the network, and once directly with a
// fixed OVS interface id), a VF from the pool, and a macvtap NIC on the host's second port.
const app = new virtkit.PinnedVm("app", {
  host: hv1,
  vcpus: 2,
  memory: { size: "2GiB" },
  nics: [
    { network: tenant, mac: "52:54:00:60:00:01" },
    { type: "bridge", bridge: "br-tenant", virtualport: { type: "openvswitch", interfaceId: "5d7c8a0e-2f4b-4c1e-9a3d-6b8e1f0c2a47" } },
    { network: vfPool, trust: true },
    { type: "direct", dev: "enp59s0f1", mode: "bridge" },
  ],
});

export const placement = { fw: fw.placement, app: app.placement };
export const networkXml = mgmt.networkXml;
