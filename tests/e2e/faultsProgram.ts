/**
 * The program the fault suites run on the real engine over a fleet: per host a dir pool, an
 * isolated network and a raw data volume (protected: the data the faults must not lose); VMs,
 * extra networks and volumes as the stack config lists them, so that each scenario adds what
 * its fault interrupts.
 *
 * A VM may wait on a gate: a dynamic resource whose create returns once a file exists. The VM's
 * domain depends on it, so a test can hold a run after the VM's volumes and before its domain,
 * fault the host there, then let the run go on.
 */
export const FAULTS_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";

const cfg = new pulumi.Config();
const prefix = cfg.require("prefix");
const domainType = (cfg.get("domainType") ?? "qemu") as "kvm" | "qemu";
interface HostCfg { name: string; uri: string; facts: string; reservedCpus?: string; poolPath: string; bridge: string }
interface VmCfg { name: string; host: string; running?: boolean; livePinning?: boolean; memory?: string; gate?: string }
interface VolCfg { name: string; host: string; pool?: "small"; size: string; baseImage?: string }
interface NetCfg { name: string; host: string; bridge: string }
const hostCfgs = cfg.requireObject<HostCfg[]>("hosts");
const vmCfgs = cfg.getObject<VmCfg[]>("vms") ?? [];
const volCfgs = cfg.getObject<VolCfg[]>("volumes") ?? [];
const netCfgs = cfg.getObject<NetCfg[]>("networks") ?? [];
const small = cfg.getObject<{ host: string; path: string }>("smallPool");

const gateProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { file: string }) {
    const fs = require("node:fs");
    const until = Date.now() + 15 * 60 * 1000;
    while (!fs.existsSync(inputs.file) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    return { id: inputs.file, outs: inputs };
  },
};
class Gate extends pulumi.dynamic.Resource {
  constructor(name: string, file: string) {
    super(gateProvider, name, { file }, {}, "virtkit-test", "Gate");
  }
}

const site = Object.fromEntries(
  hostCfgs.map((h) => {
    const host = new virtkit.LibvirtHost(h.name, { uri: h.uri, ...virtkit.readHostFacts(h.facts), reservedCpus: h.reservedCpus || undefined });
    const pool = new virtkit.StoragePool(\`\${h.name}-pool\`, { host, name: \`\${prefix}pool\`, type: "dir", path: h.poolPath });
    const network = new virtkit.VirtualNetwork(\`\${h.name}-net\`, { host, mode: "isolated", name: \`\${prefix}net\`, bridge: h.bridge });
    const data = new virtkit.Qcow2Volume(\`\${h.name}-data\`, { host, pool, format: "raw", size: "4MiB", name: "data.raw" });
    return [h.name, { host, pool, network, data }];
  }),
);
const smallPool = small && new virtkit.StoragePool("small-pool", { host: site[small.host].host, name: \`\${prefix}small\`, type: "dir", path: small.path });

for (const n of netCfgs) new virtkit.VirtualNetwork(n.name, { host: site[n.host].host, mode: "isolated", name: \`\${prefix}\${n.name}\`, bridge: n.bridge });
for (const v of volCfgs) {
  const s = site[v.host];
  new virtkit.Qcow2Volume(v.name, { host: s.host, pool: v.pool === "small" ? smallPool! : s.pool, size: v.size, allowReplace: true, ...(v.baseImage ? { baseImage: { url: v.baseImage } } : {}) });
}

export const domains: Record<string, pulumi.Output<string>> = {};
for (const v of vmCfgs) {
  const s = site[v.host];
  const root = new virtkit.Qcow2Volume(\`\${v.name}-root\`, { host: s.host, pool: s.pool, size: "8MiB", allowReplace: true });
  const gate = v.gate ? [new Gate(\`\${v.name}-gate\`, v.gate)] : [];
  const vm = new virtkit.PinnedVm(
    v.name,
    { host: s.host, domainName: \`\${prefix}\${v.name}\`, domainType, vcpus: 1, memory: { size: v.memory ?? "32MiB" }, disks: [root], nics: [s.network], running: v.running ?? false, livePinning: v.livePinning ?? false },
    { dependsOn: gate },
  );
  domains[v.name] = vm.uuid;
}
`;
