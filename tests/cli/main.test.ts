import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildHostModel } from "../../sdk/src/host/nodedev";
import { readHostFacts } from "../../sdk/src/host/hostFacts";
import { parseFactsArgs } from "../../sdk/src/cli/facts/factsCommand";
import { parseArgs } from "../../sdk/src/cli/plan/planCommand";
import { describeWith, hostHasKvm, scratchDir, withoutKvm } from "../support/libvirt";

const root = join(__dirname, "..", "..");
const built = existsSync(join(root, "dist", "sdk", "src", "cli", "main.js"));
/** A one-file program inside the checkout, so its `import "virtkit"` resolves to it (package self-reference). */
function program(body: string): string {
  mkdirSync(join(root, ".scratch"), { recursive: true });
  const dir = mkdtempSync(join(root, ".scratch", "cli-"));
  writeFileSync(join(dir, "index.ts"), `import * as virtkit from "virtkit";\n${body}\n`);
  return dir;
}

const runCli = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "virtkit"), ...args], { cwd: root, encoding: "utf8", timeout: 120000 });

describe("virtkit plan's arguments", () => {
  it("default to the NFV example on libvirt's test hypervisor", () => {
    expect(parseArgs(["plan"])).toEqual({ program: "examples/nfv-host", uri: "test:///default", libvirt: true, xml: true });
  });
  it("take a program and a URI", () => {
    expect(parseArgs(["plan", "examples/single-vm", "--uri", "qemu:///system", "--no-xml"])).toMatchObject({ program: "examples/single-vm", uri: "qemu:///system", xml: false });
  });
  it("print usage for anything else", () => {
    expect(parseArgs(["apply"])).toMatch(/^usage: virtkit plan/);
    expect(parseArgs(["plan", "--frobnicate"])).toMatch(/unknown option --frobnicate/);
    expect(parseArgs(["plan", "--uri"])).toMatch(/^Option '--uri <value>' argument missing\n\nusage: virtkit plan/);
  });
});

// The built CLI, as a user runs it (scripts/setup builds it; CI must have it).
(built || process.env.CI ? describe : describe.skip)("bin/virtkit plan (built)", () => {
  it("prints resources, placement, capacity and XML, and libvirt's acceptance, exiting 0", () => {
    const r = runCli("plan");
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    for (const section of ["== resources", "== placement", "== capacity", "== domain XML of PinnedVm \"vrouter\"", "== libvirt (test:///default)"]) expect(r.stdout).toContain(section);
    expect(r.stdout).toMatch(/PinnedVm "dpi"\s+schema, define\+start on test:\/\/\/default\s+accepted/);
    expect(r.stdout).toMatch(/<vcpupin vcpu="0" cpuset="2"\/>/);
  });

  it("--json: one document on stdout with resources, placement per VM, capacity, warnings and libvirt's verdicts", () => {
    const r = runCli("plan", "--json");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.valid).toBe(true);
    expect(doc.resources).toEqual(expect.arrayContaining([{ kind: "resource", type: "libvirt:index/domain:Domain", name: "vrouter" }]));
    const vrouter = doc.vms.find((v: { component: string }) => v.component === 'PinnedVm "vrouter"');
    expect(vrouter.placement.vcpus[0]).toEqual({ vcpu: 0, hostCpus: "2", node: 0 });
    expect(vrouter.domainXml).toContain('<vcpupin vcpu="0" cpuset="2"/>');
    // its VLAN the provider carries; dpi's expander buses it cannot
    expect(vrouter.warnings).toEqual([]);
    expect(doc.vms.find((vm: { domainName: string }) => vm.domainName === "dpi").warnings).toEqual([expect.stringMatching(/^expander buses: provider v0.9.7 cannot set/), expect.stringMatching(/^guest PCI addresses: provider v0.9.7 cannot place 2/)]);
    expect(doc.capacity[0].host).toBe("hv1");
    expect(doc.libvirt.verdicts.map((v: { ok: boolean }) => v.ok)).toEqual(doc.vms.map(() => true));
  });

  it("--json: an invalid program is valid: false with every problem, exit 1", () => {
    const dir = program(`const host = new virtkit.LibvirtHost("h", { uri: "test:///default" });
new virtkit.PinnedVm("bad", { host, vcpus: 4, cpu: { topology: { sockets: 1, cores: 3, threads: 1 } }, memory: { size: "1536MiB", hugepages: { pageSize: "1GiB" } } });`);
    const r = runCli("plan", dir, "--json");
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      program: dir,
      valid: false,
      invalid: {
        component: 'PinnedVm "bad"',
        issues: [
          { path: "cpu.topology", reason: "sockets × dies × cores × threads = 1×1×3×1 = 3, but vcpus is 4" },
          { path: "memory.size", reason: "1536MiB is not a whole number of 1GiB pages" },
        ],
      },
    });
  });

  it("exits 1 with the validation messages of an invalid program, creating nothing", () => {
    const dir = program(`const host = new virtkit.LibvirtHost("h", { uri: "test:///default" });
new virtkit.PinnedVm("bad", { host, vcpus: 4, cpu: { topology: { sockets: 1, cores: 3, threads: 1 } }, memory: { size: "1536MiB", hugepages: { pageSize: "1GiB" } } });`);
    const r = runCli("plan", dir);
    expect(r.stderr).not.toMatch(/Cannot find module/);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("the program is invalid; nothing would be created");
    expect(r.stdout).toContain("cpu.topology: sockets × dies × cores × threads = 1×1×3×1 = 3, but vcpus is 4");
    expect(r.stdout).toContain("memory.size: 1536MiB is not a whole number of 1GiB pages");
  });

  it("exits 1 when libvirt's QEMU driver refuses a domain, quoting libvirt", () => {
    // valid to virtkit (the host's nodes are unknown), impossible on any real host here
    const dir = program(`const host = new virtkit.LibvirtHost("h", { uri: "qemu:///system" });
new virtkit.PinnedVm("far", { host, vcpus: 1, memory: { size: "64MiB" }, numa: { hostNodes: "63" }, pinning: { vcpus: ["0"] } });`);
    const r = runCli("plan", dir, "--uri", "qemu:///system", "--no-xml");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/PinnedVm "far"\s+schema, domxml-to-native on qemu:\/\/\/system.*\s+REFUSED: .*NUMA node 63 is unavailable/);
    // the machine's lack of KVM is no verdict on the domain, and the verdict says how it was judged
    expect(r.stdout.includes("as type='qemu'")).toBe(!hostHasKvm());
  });

  describe("on a host without KVM (hidden in a private mount namespace where the machine has it)", () => {
    const uri = `qemu:///embed?root=${scratchDir()}`;
    const runWithoutKvm = (...args: string[]) => {
      const [cmd, argv] = withoutKvm(process.execPath, [join(root, "bin", "virtkit"), ...args]);
      return spawnSync(cmd, argv, { cwd: root, encoding: "utf8", timeout: 180000 });
    };

    it("judges a kvm domain as type='qemu', host-passthrough as 'maximum', and says so", () => {
      const dir = program(`const host = new virtkit.LibvirtHost("h", { uri: "qemu:///system" });
new virtkit.PinnedVm("tcg", { host, vcpus: 2, memory: { size: "64MiB" }, cpu: { features: [{ name: "abm", policy: "require" }] }, pinning: { vcpus: ["0", "1"] } });`);
      const r = runWithoutKvm("plan", dir, "--uri", uri, "--no-xml");
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/PinnedVm "tcg"\s+schema, domxml-to-native on qemu:\/\/\/embed\S+ \(as type='qemu': this host's QEMU driver offers no KVM for x86_64; cpu mode 'host-passthrough' as 'maximum'\)\s+accepted/);
      expect(r.status).toBe(0);
    });

    it("still refuses, in libvirt's words, what the domain really asks and the host lacks", () => {
      const dir = program(`const host = new virtkit.LibvirtHost("h", { uri: "qemu:///system" });
new virtkit.PinnedVm("far", { host, vcpus: 1, memory: { size: "64MiB" }, numa: { hostNodes: "63" }, pinning: { vcpus: ["0"] } });`);
      const r = runWithoutKvm("plan", dir, "--uri", uri, "--no-xml");
      expect(r.stdout).toMatch(/\(as type='qemu'[^)]*\)\s+REFUSED: .*NUMA node 63 is unavailable/);
      expect(r.status).toBe(1);
    });
  });
});

describe("virtkit facts", () => {
  it("needs --out and says how to use it", () => {
    expect(parseFactsArgs([])).toMatch(/^--out DIR is required\n\nusage: virtkit facts/);
    expect(parseFactsArgs(["--out", "hosts/hv1"])).toEqual({ uri: "qemu:///system", out: "hosts/hv1" });
  });
});

describeWith("qemuDaemon", "bin/virtkit facts on this machine's libvirtd", () => {
  it("writes capabilities and device documents that readHostFacts gives a LibvirtHost, whose model matches virsh", () => {
    const out = join(scratchDir(), "hosts", "local");
    const r = runCli("facts", "--uri", "qemu:///system", "--out", out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const facts = readHostFacts(out);
    expect(facts.capabilities).toContain("<capabilities>");
    const listed = execFileSync("virsh", ["-q", "-c", "qemu:///system", "nodedev-list", "--cap", "pci"], { encoding: "utf8" }).split("\n").filter(Boolean);
    expect(facts.devices.filter((d) => d.includes("<capability type='pci'>") || d.includes('<capability type="pci">')).length).toBe(listed.length);
    const model = buildHostModel(facts.capabilities, facts.devices);
    expect(r.stdout).toContain(`${model.cpus.length} CPUs on ${model.nodes.length} NUMA node(s), ${model.pciDevices.length} PCI devices`);
    expect(model.pciDevices.length).toBe(listed.length);
  });

  it("says what it could not collect: the test driver lists no devices", () => {
    const out = join(scratchDir(), "test-host");
    const r = runCli("facts", "--uri", "test:///default", "--out", out);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/note: no pci devices listed/);
    expect(readHostFacts(out).devices).toEqual([]);
  });
});
