import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { TWO_SOCKET_SERVER } from "../hosts";

// Three hypervisors, each its own provider (its own URI), its own ledger and its own facts
// (`virtkit facts --uri URI --out DIR`), so their capacities may differ: CPUs each keeps for
// itself, hugepage pools. Per host: a dir pool and an isolated network; web VMs kept apart.
const cfg = new pulumi.Config();
const hostNames = ["hv1", "hv2", "hv3"] as const;
type HostName = (typeof hostNames)[number];
// a prefix for every libvirt name (domains, networks, pools), so that several stacks can share hosts
const prefix = cfg.get("namePrefix") ?? "";
const domainType = (cfg.get("domainType") ?? "kvm") as "kvm" | "qemu";
const running = cfg.getBoolean("running") ?? true;

const site = Object.fromEntries(
  hostNames.map((h) => {
    // "" (the declared default of facts) is the two-socket fixture; "" reserved CPUs is none
    const reserved = cfg.get(`${h}ReservedCpus`) ?? "0-1,32-33";
    const host = new virtkit.LibvirtHost(h, {
      uri: cfg.get(`${h}Uri`) ?? `qemu+ssh://root@${h}/system`,
      ...virtkit.readHostFacts(cfg.get(`${h}Facts`) || TWO_SOCKET_SERVER),
      reservedCpus: reserved || undefined,
    });
    const pool = new virtkit.StoragePool(`${h}-pool`, { host, name: `${prefix}vms`, type: "dir", path: cfg.get(`${h}PoolPath`) ?? "/var/lib/virtkit/vms" });
    // a bridge name is global to its host's network namespace: give each network its own
    const network = new virtkit.VirtualNetwork(`${h}-net`, { host, mode: "isolated", name: `${prefix}backend`, bridge: cfg.get(`${h}Bridge`) ?? "vk-backend" });
    return [h, { host, pool, network }];
  }),
) as Record<HostName, { host: virtkit.LibvirtHost; pool: virtkit.StoragePool; network: virtkit.VirtualNetwork }>;

// Anti-affinity: one web VM per host, and an error rather than two on one host.
const webs = ["web-0", "web-1", "web-2"];
const hostOfWeb = virtkit.host.spreadAcrossHosts([...hostNames], webs, { strict: true });

const vms = webs.map((name) => {
  const { host, pool, network } = site[hostOfWeb[name] as HostName];
  const root = new virtkit.Qcow2Volume(`${name}-root`, { host, pool, size: cfg.get("rootSize") ?? "20GiB", allowReplace: true });
  // no pinning given: virtkit pins the vCPU on a CPU the host does not reserve
  return new virtkit.PinnedVm(name, {
    host,
    domainName: `${prefix}${name}`,
    domainType,
    vcpus: 1,
    memory: { size: cfg.get("webMemory") ?? "2GiB" },
    disks: [root],
    nics: [network],
    running,
  });
});

// A database on the host chosen by config, on 2 MiB hugepages of that host's pool, with an
// encrypted data volume (its LUKS key a libvirt secret on that host).
const dbHost = (cfg.get("dbHost") ?? "hv3") as HostName;
const db = site[dbHost];
const dbData = new virtkit.Qcow2Volume("db-data", {
  host: db.host,
  pool: db.pool,
  size: cfg.get("dbDataSize") ?? "100GiB",
  encryption: { passphrase: cfg.requireSecret("dbPassphrase") },
  allowReplace: cfg.getBoolean("dbDataAllowReplace") ?? false,
});
vms.push(
  new virtkit.PinnedVm("db", {
    host: db.host,
    domainName: `${prefix}db`,
    domainType,
    vcpus: 1,
    memory: new virtkit.HugepageMemory("db-mem", { size: cfg.get("dbMemory") ?? "4GiB", pageSize: "2MiB" }),
    disks: [dbData],
    nics: [db.network],
    // defined, started by hand (or set running)
    running: false,
  }),
);

export const placement = Object.fromEntries(vms.map((vm, i) => [i < webs.length ? webs[i] : "db", vm.placement]));
export const hostOf = { ...hostOfWeb, db: dbHost };
export const capacity = Object.fromEntries(hostNames.map((h) => [h, site[h].host.capacity]));
