import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareScopeFacts, emitProgram, importDomain, scopeFacts } from "../../../sdk/src/import";
import { formatRoundTrip, renderImported, roundTripCorpus, shares, type CaseResult } from "../../../sdk/src/cli/import/importRoundTrip";
import { renderVm } from "../../../sdk/src/render";
import { VmSpec } from "../../../sdk/src/schema/vm";
import { describeWith, hostHasKvm, scratchDir, virsh } from "../../support/libvirt";

/**
 * `virtkit import` judged on libvirt's own QEMU-driver cases (../shared/conformance/libvirt-qemuxml,
 * read where they are): each input is imported, rendered by virtkit, and both the original and
 * virtkit's domain are defined on test:///default; libvirt's normalised dumpxml of the two must
 * agree on every fact of virtkit's areas (vCPUs, pinning, CPU, memory, hugepages, NUMA, disks,
 * NICs, hostdevs, chipset, firmware). The share per area is printed with the test output.
 */
const root = join(__dirname, "..", "..", "..");
// beside the repository, as tests/conformance/qemuxml.test.ts reads it; a worktree elsewhere names it
const corpus = process.env.VIRTKIT_QEMUXML_CORPUS ?? join(root, "..", "shared", "conformance", "libvirt-qemuxml");
const fixtures = join(root, "tests", "fixtures", "import");
const built = existsSync(join(root, "dist", "sdk", "src", "cli", "main.js"));

if (!existsSync(corpus) && process.env.CI) throw new Error(`the conformance corpus is missing at ${corpus}`);
const describeCorpus = existsSync(corpus) ? (name: string, body: () => void) => describeWith("virsh", name, body) : describe.skip;

describeCorpus("virtkit import round trip on libvirt's own cases", () => {
  let results: CaseResult[];
  beforeAll(() => {
    results = roundTripCorpus(corpus);
    console.log(formatRoundTrip(results));
  }, 600000);

  it("keeps every in-scope fact of at least 90 % of the in-scope cases", () => {
    const s = shares(results);
    expect(s.cases).toBeGreaterThanOrEqual(30);
    expect(s.full / s.cases).toBeGreaterThanOrEqual(0.9);
  });

  it("differs only where virtkit refuses the domain, with virtkit's reason", () => {
    const differing = results.filter((r) => r.areas.some((a) => a.verdict === "differ"));
    expect(differing.map((r) => [r.name, r.failure])).toEqual([
      ["hugepages-numa-nodeset-part", expect.stringMatching(/numa\.cells\[1\]\.memory: 768MiB is not a whole number of 1GiB pages/)],
    ]);
  });

  it("says why each case is out of scope: meant to fail, newer than this libvirt, or no x86_64 guest", () => {
    for (const r of results.filter((x) => x.outOfScope)) {
      expect(r.outOfScope).toMatch(/libvirt's own suite expects this input to fail|does not define the original|not a QEMU\/KVM x86_64 domain/);
    }
    expect(results.find((r) => r.name === "cpuset-invalid")?.outOfScope).toMatch(/expects this input to fail/);
  });

  it("names what it could not import in each area it left out", () => {
    const cputune = results.find((r) => r.name === "cputune")!;
    expect(cputune.areas.find((a) => a.area === "pinning")).toMatchObject({ verdict: "not imported", detail: expect.stringMatching(/cputune\/vcpupin/) });
    expect(cputune.imported?.notImported.map((n) => n.element)).toEqual(expect.arrayContaining(["cputune/shares", "devices/disk[hda]"]));
  });
});

describeWith("virsh", "virtkit import round trip on domains in virtkit's whole vocabulary", () => {
  it("keeps every fact of a NUMA guest with a VF and a device, and of an edge guest on a block device, macvtap, vhost-user and OVS", () => {
    const results = roundTripCorpus(fixtures);
    console.log(formatRoundTrip(results));
    expect(results.map((r) => [r.name, r.areas.filter((a) => a.verdict !== "agree").map((a) => `${a.area}: ${a.verdict}`)])).toEqual([
      // the edge guest has no NUMA cells and no passed-through device
      ["edge-guest", ["numa: unused", "hostdevs: unused"]],
      ["nfv-guest", []],
    ]);
  });
});

/** The cases whose emitted program is compiled and planned: compute, memory, NUMA, a VF, and the fixture. */
const programCases = ["hugepages-numa-nodeset", "numatune-system-memory", "cpu-host-passthrough-features", "net-hostdev-vfio-multidomain"];

(built || process.env.CI ? describeCorpus : describe.skip)("the program virtkit import writes", () => {
  const inputs: Record<string, string> = {};
  let dir: string;
  beforeAll(() => {
    for (const c of programCases) inputs[c] = readFileSync(join(corpus, `${c}.xml`), "utf8");
    for (const f of ["nfv-guest", "edge-guest"]) inputs[f] = readFileSync(join(fixtures, `${f}.xml`), "utf8");
    // inside the checkout, so `import "virtkit"` resolves to it (tsconfig paths, package self-reference)
    mkdirSync(join(root, ".scratch"), { recursive: true });
    dir = mkdtempSync(join(root, ".scratch", "import-"));
    for (const [name, xml] of Object.entries(inputs)) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, "index.ts"), emitProgram([importDomain(xml)], { uri: "qemu:///system", source: `${name}.xml` }));
    }
  });

  it("compiles with tsc under virtkit's types", () => {
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../tsconfig.json", compilerOptions: { noEmit: true, rootDir: "../.." }, include: ["*/index.ts"] }));
    const r = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(dir, "tsconfig.json")], { encoding: "utf8", timeout: 300000 });
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  }, 300000);

  it.each([...programCases, "nfv-guest", "edge-guest"])("%s: under the mock engine (virtkit plan), registers the domain XML of the direct mapping", (name) => {
    const r = spawnSync(process.execPath, [join(root, "bin", "virtkit"), "plan", join(dir, name), "--json", "--no-libvirt"], { cwd: root, encoding: "utf8", timeout: 120000 });
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as { vms: { domainXml: string }[] };
    expect(plan.vms.map((v) => v.domainXml)).toEqual([renderImported(importDomain(inputs[name]))]);
  }, 120000);
});

const describeBuilt = built || process.env.CI ? describeWith : (_tool: string, name: string, body: () => void) => describe.skip(name, body);

describeBuilt("virsh", "bin/virtkit import (built)", () => {
  const runCli = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "virtkit"), ...args], { cwd: root, encoding: "utf8", timeout: 120000 });

  it("imports every domain of a URI through virsh, keeping a running one running", () => {
    // libvirt's test driver, given a node file, runs the fixture as a live domain
    const node = join(scratchDir(), "node.xml");
    writeFileSync(node, `<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads><active>2</active><mhz>2000</mhz><model>i686</model></cpu><memory>8388608</memory><domain file="${join(fixtures, "nfv-guest.xml")}"/></node>`);
    expect(execFileSync("virsh", ["-c", `test://${node}`, "domstate", "nfv-guest"], { encoding: "utf8" })).toMatch(/running/);
    const r = runCli("import", "--uri", `test://${node}`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`const host = new virtkit.LibvirtHost("host", { uri: "test://${node}" });`);
    expect(r.stdout).toMatch(/new virtkit\.PinnedVm\("nfv-guest", \{\n {2}host,\n {2}adopt: \{ uuid: "6f1c2a4e-3b7d-4c2a-9e51-0a8d2f4b7c19" \}/);
    expect(r.stdout).toMatch(/ {2}running: true,\n\}\);/);
    expect(r.stderr).toMatch(/^virtkit import: 1 domain imported, \d+ elements not imported/);
  });

  it("writes a Pulumi project with --out", () => {
    const out = join(scratchDir(), "adopted");
    const r = runCli("import", join(fixtures, "nfv-guest.xml"), "--out", out);
    expect(r.status).toBe(0);
    expect(readFileSync(join(out, "Pulumi.yaml"), "utf8")).toMatch(/^name: adopted\nruntime: nodejs\nmain: index.ts\n/);
    expect(JSON.parse(readFileSync(join(out, "package.json"), "utf8")).dependencies).toEqual({ "@pulumi/pulumi": "^3.248.0", virtkit: "^0.1.0" });
    expect(JSON.parse(readFileSync(join(out, "tsconfig.json"), "utf8")).files).toEqual(["index.ts"]);
    expect(readFileSync(join(out, "index.ts"), "utf8")).toContain('new virtkit.PinnedVm("nfv-guest"');
    expect(r.stdout).toBe("");
  });

  it("says which input is no QEMU/KVM guest and exits 1, importing the rest", () => {
    const xen = join(scratchDir(), "xen.xml");
    writeFileSync(xen, "<domain type='xen'><name>x</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
    const r = runCli("import", xen, join(fixtures, "nfv-guest.xml"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`virtkit import: ${xen}: domain "x": type 'xen' is not a QEMU/KVM domain; not imported`);
    expect(r.stdout).toContain('new virtkit.PinnedVm("nfv-guest"');
  });

  it("prints its usage with --help", () => {
    const r = runCli("import", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: virtkit import FILE\.xml\.\.\./);
  });
});

describeWith("qemuDaemon", "virtkit import of a domain running on libvirtd", () => {
  const uri = "qemu:///system";
  const name = `vk-import-${process.pid}`;
  afterAll(() => {
    spawnSync("virsh", ["-q", "-c", uri, `destroy ${name}`]);
    spawnSync("virsh", ["-q", "-c", uri, `undefine ${name}`]);
  });

  it("reads back the domain XML virtkit rendered for it, plus the CPU check libvirt filled in", () => {
    const dir = scratchDir();
    const disk = join(dir, "root.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "64M"]);
    const xml = renderVm(
      VmSpec.parse({
        name, vcpus: 2, domainType: hostHasKvm() ? "kvm" : "qemu", chipset: "q35", cpu: { mode: hostHasKvm() ? "host-passthrough" : "maximum", topology: { sockets: 1, cores: 2, threads: 1 } },
        pinning: { vcpus: ["0", "1"], emulator: "0-1" }, memory: { size: "256MiB" },
        disks: [{ source: { file: disk } }],
      }),
    ).xml;
    const file = join(dir, "domain.xml");
    writeFileSync(file, xml);
    virsh(uri, [`define ${file}`, `start ${name}`]);
    expect(virsh(uri, [`domstate ${name}`])).toMatch(/running/);
    const dumped = virsh(uri, [`dumpxml --inactive ${name}`]);
    const imported = importDomain(dumped, { running: true });
    expect(imported.uuid).toBe(virsh(uri, [`domuuid ${name}`]).trim());
    expect(imported.notImported.filter((n) => n.area !== "other")).toEqual([]);
    expect(compareScopeFacts(scopeFacts(dumped), scopeFacts(renderImported(imported))).filter((c) => !c.agree)).toEqual([]);
    // the one thing libvirt added, its default CPU check, is kept: the program says what runs
    expect(imported.spec.cpu).toMatchObject({ check: "none" });
    expect(renderImported(imported).replace(' check="none"', "")).toBe(xml);
  });
});
