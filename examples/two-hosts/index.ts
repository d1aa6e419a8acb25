import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { login, TWO_SOCKET_SERVER } from "../hosts";

// Two identical hypervisors, each its own provider (its own URI) and its own ledger.
const cfg = new pulumi.Config();
const facts = virtkit.readHostFacts(TWO_SOCKET_SERVER);
const hosts = {
  hv1: new virtkit.LibvirtHost("hv1", { uri: cfg.get("hv1Uri") ?? "qemu+ssh://root@hv1/system", ...facts, reservedCpus: "0-1,32-33" }),
  hv2: new virtkit.LibvirtHost("hv2", { uri: cfg.get("hv2Uri") ?? "qemu+ssh://root@hv2/system", ...facts, reservedCpus: "0-1,32-33" }),
};

// Anti-affinity: no two web VMs on one host while there are hosts enough.
const webs = ["web-0", "web-1", "web-2", "web-3"];
const hostOfWeb = virtkit.host.spreadAcrossHosts(Object.keys(hosts), webs);

const vms = webs.map(
  (name) =>
    new virtkit.PinnedVm(name, {
      host: hosts[hostOfWeb[name] as keyof typeof hosts],
      vcpus: 4,
      cpu: { topology: { sockets: 1, cores: 2, threads: 2 } },
      memory: new virtkit.HugepageMemory(`${name}-mem`, { size: "4GiB", pageSize: "2MiB" }),
      nics: [{ type: "network", network: "default" }],
      cloudInit: login(cfg, name),
    }),
);

// One database per host, pinned explicitly to cores of node 1 (thread siblings n and n+32).
for (const [hostName, host] of Object.entries(hosts)) {
  vms.push(
    new virtkit.PinnedVm(`db-${hostName}`, {
      host,
      domainName: "db",
      vcpus: 4,
      cpu: { topology: { sockets: 1, cores: 2, threads: 2 } },
      pinning: { vcpus: ["20", "52", "21", "53"], emulator: "32-33" },
      memory: new virtkit.HugepageMemory(`db-${hostName}-mem`, { size: "4GiB", pageSize: "1GiB", hostNodes: "1" }),
    }),
  );
}

export const placement = Object.fromEntries(vms.map((vm) => [vm.domainXml, vm.placement]).map((_, i) => [i, vms[i].placement]));
export const capacity = { hv1: hosts.hv1.capacity, hv2: hosts.hv2.capacity };
