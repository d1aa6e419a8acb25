import { join } from "node:path";
import { checkWithLibvirt, withoutPassthrough } from "../../../sdk/src/cli/plan/libvirtCheck";
import { formatPlacement } from "../../../sdk/src/cli/plan/planReport";
import { runProgram, type ProgramPlan } from "../../../sdk/src/cli/plan/runProgram";
import { describeWith } from "../../support/libvirt";

const example = (name: string) => join(__dirname, "..", "..", "..", "examples", name);

// The examples run once each, in order, under the mock engine (one program per process state).
const plans: Record<string, ProgramPlan> = {};
beforeAll(async () => {
  for (const name of ["single-vm", "nfv-host", "two-hosts", "ovs-dpdk"]) plans[name] = await runProgram(example(name));
});

 
const ofType = (plan: ProgramPlan, type: string) => plan.resources.filter((r) => r.type === type) as { name: string; inputs: Record<string, any> }[];

describe("examples under the mock engine", () => {
  it("single-vm registers a provider, a base image, an overlay and one pinned domain", () => {
    const plan = plans["single-vm"];
    expect(ofType(plan, "pulumi:providers:libvirt").map((r) => r.inputs.uri)).toEqual(["qemu:///system"]);
    // registration order follows the Outputs each waits on: compare as a set
    expect(ofType(plan, "libvirt:index/volume:Volume").map((r) => r.inputs.name).sort()).toEqual([expect.stringMatching(/^base-debian-12-genericcloud-amd64-[0-9a-f]{8}\.qcow2$/), "web-cloudinit.iso", "web-data.raw", "web-root.qcow2"]);
    // the data volume is raw, on the example's own dir pool
    expect(ofType(plan, "libvirt:index/pool:Pool").map((r) => r.inputs)).toEqual([{ name: "data", type: "dir", target: { path: "/var/lib/virtkit/data" } }]);
    const [domain] = ofType(plan, "libvirt:index/domain:Domain");
    // the disk's iothread runs with the emulator, off the pinned vCPUs
    expect(domain.inputs.cpuTune).toEqual({ vcpuPins: [{ vcpu: 0, cpuSet: "2" }, { vcpu: 1, cpuSet: "3" }], emulatorPin: { cpuSet: "0-1" }, ioThreadPins: [{ ioThread: 1, cpuSet: "0-1" }] });
    expect(domain.inputs.devices.disks.map((d: any) => d.driver.ioThread)).toEqual([1, 1]);
    expect(domain.inputs.devices.disks[1]).toMatchObject({ source: { volume: { pool: "data", volume: "web-data.raw" } }, driver: { type: "raw" } });
    expect(domain.inputs.devices.disks[0].source).toEqual({ volume: { pool: "default", volume: "web-root.qcow2" } });
    expect(plan.outputs.rootPath).toBe("/var/lib/libvirt/images/web-root.qcow2");
  });

  it("every example VM with a system disk gets a login: user ops by cloud-init, and a serial console", () => {
    for (const [example, vms] of [["single-vm", ["web"]], ["nfv-host", ["vrouter"]], ["two-hosts", ["web-0", "web-1", "web-2", "web-3"]]] as const) {
      const plan = plans[example];
      const seeds = ofType(plan, "libvirt:index/cloudinitDisk:CloudinitDisk");
      expect(seeds.map((s) => s.name)).toEqual(vms.map((vm) => `${vm}-cloudinit`));
      for (const seed of seeds) expect(JSON.parse(seed.inputs.userData.replace("#cloud-config\n", "")).users[1]).toMatchObject({ name: "ops" });
      for (const vm of plan.vms) expect(vm.domainXml).toMatch(/<console type="pty">/);
    }
  });

  it("nfv-host keeps each VM NUMA-local, spans dpi with one VF and one expander bus per cell", () => {
    const plan = plans["nfv-host"];
    const byName = Object.fromEntries(plan.vms.map((vm) => [vm.domainName, vm]));
    const nodesOf = (vm: string) => new Set(byName[vm].placement!.vcpus.map((v) => v.node));
    expect(nodesOf("vrouter")).toEqual(new Set([0]));
    expect(byName.vrouter.placement!.devices.map((d) => d.node)).toEqual([0, 0]);
    expect(byName.vrouter.placement!.memory).toEqual([{ node: 0, bytes: 8 * 1024 ** 3, pageSizeBytes: 1024 ** 3, pages: 8 }]);
    expect(byName.dpi.placement!.guestCells).toEqual([
      { cell: 0, hostNode: 0 },
      { cell: 1, hostNode: 1 },
    ]);
    expect(byName.dpi.domainXml.match(/model="pcie-expander-bus"/g)).toHaveLength(2);
    expect(nodesOf("inference")).toEqual(new Set([1]));
    // SMT guest: vCPU pairs on host thread siblings (n, n+32)
    const cpus = byName.vrouter.placement!.vcpus.map((v) => v.hostCpus[0]);
    for (let i = 0; i < cpus.length; i += 2) expect(cpus[i + 1] - cpus[i]).toBe(32);
    // no host CPU is given twice
    const all = plan.vms.flatMap((vm) => vm.placement!.vcpus.flatMap((v) => v.hostCpus));
    expect(new Set(all).size).toBe(all.length);
    expect(formatPlacement(plan)).toContain('PinnedVm "vrouter"');
  });

  it("nfv-host exports the capacity of its host as a stack output", () => {
    const capacity = plans["nfv-host"].outputs.capacity as { nodes: { node: number; hugepages: { sizeBytes: number; used: number; total: number }[] }[] };
    const node0 = capacity.nodes.find((n) => n.node === 0)!;
    expect(node0.hugepages.find((h) => h.sizeBytes === 1024 ** 3)).toMatchObject({ used: 12, total: 16 });
  });

  it("two-hosts gives each host its own provider and spreads the web VMs", () => {
    const plan = plans["two-hosts"];
    expect(ofType(plan, "pulumi:providers:libvirt").map((r) => r.inputs.uri).sort()).toEqual(["qemu+ssh://root@hv1/system", "qemu+ssh://root@hv2/system"]);
    const hostsOfWebs = plan.vms.filter((vm) => vm.domainName.startsWith("web-")).map((vm) => vm.host);
    expect(hostsOfWebs).toEqual(["hv1", "hv2", "hv1", "hv2"]);
    expect(plan.vms.filter((vm) => vm.domainName === "db").map((vm) => vm.host)).toEqual(["hv1", "hv2"]);
  });
});

describe("the ovs-dpdk example", () => {
  it("registers its NAT, Open vSwitch and VF-pool networks, and the VMs' NICs on them", () => {
    const plan = plans["ovs-dpdk"];
    const nets = Object.fromEntries(ofType(plan, "libvirt:index/network:Network").map((r) => [r.name, r.inputs]));
    expect(nets.mgmt).toMatchObject({ forward: { mode: "nat" }, ips: [{ address: "192.168.50.1", prefix: 24, dhcp: { ranges: [{ start: "192.168.50.100", end: "192.168.50.199" }] } }] });
    expect(nets.tenant).toMatchObject({ forward: { mode: "bridge" }, bridge: { name: "br-tenant" }, virtualPort: { params: { openVSwitch: {} } } });
    expect(nets["vf-pool"]).toMatchObject({ forward: { mode: "hostdev", pfs: [{ dev: "enp59s0f0" }] } });
    const domains = Object.fromEntries(ofType(plan, "libvirt:index/domain:Domain").map((r) => [r.name, r.inputs]));
    const sources = (vm: string) => (domains[vm].devices.interfaces as { source: Record<string, unknown> }[]).map((i) => Object.keys(i.source)[0]);
    expect(sources("dpdk-fw")).toEqual(["network", "vhostUser", "vhostUser"]);
    expect(sources("app")).toEqual(["network", "bridge", "network", "direct"]);
    expect(domains["dpdk-fw"].memoryBacking).toMatchObject({ memoryAccess: { mode: "shared" }, memoryHugePages: { hugepages: [{ size: 1048576 }] } });
  });
});

describeWith("virsh", "examples judged by libvirt's test hypervisor", () => {
  it.each(["single-vm", "nfv-host", "two-hosts", "ovs-dpdk"])("%s: every network and domain validates, defines and starts", (name) => {
    const verdicts = checkWithLibvirt(plans[name].vms, "test:///default", plans[name].networks);
    expect(verdicts.length).toBe(plans[name].vms.length + plans[name].networks.length);
    for (const v of verdicts) expect(v).toMatchObject({ ok: true, message: v.vm.startsWith("VirtualNetwork") ? "defined and active" : "defined and running" });
  });
});

describeWith("virsh", "the libvirt check of a virtual network", () => {
  it("reports a network libvirt refuses", () => {
    const bad = { component: 'VirtualNetwork "bad"', host: "hv1", networkName: "bad", networkXml: '<network><name>bad</name><forward mode="teleport"/></network>\n', warnings: [] };
    const [verdict] = checkWithLibvirt([], "test:///default", [bad]);
    expect(verdict).toMatchObject({ vm: 'VirtualNetwork "bad"', ok: false, checks: ["network schema"] });
  });
});

describe("the libvirt check of a real QEMU driver", () => {
  it("leaves passed-through devices out of domxml-to-native, and only them", () => {
    const vm = plans["nfv-host"].vms.find((v) => v.domainName === "dpi")!;
    const { xml, removed } = withoutPassthrough(vm.domainXml);
    expect(removed).toBe(2);
    expect(xml).not.toMatch(/<hostdev|type="hostdev"/);
    expect(xml).toContain('<controller type="pci" index="1" model="pcie-expander-bus">');
    expect(xml.match(/<vcpupin /g)).toHaveLength(8);
  });
});
