import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { describeWith, hostHasKvm, scratchDir, tools, vcpuPins, virsh } from "../support/libvirt";

/**
 * The examples as a user runs them, on the real Pulumi engine, the terraform-provider bridge and
 * libvirt provider v0.9.7, against this machine's libvirtd: `pulumi preview` of every example
 * (the provider connects to each host's URI even for a preview, so the hosts are this machine,
 * given through the examples' stack config), and single-vm's whole life on this machine's own
 * scratch pool, network and image: `up`, a clean `preview` and `refresh` with
 * `--expect-no-changes`, `destroy` leaving nothing behind.
 *
 * Each example is copied as it is in the repository: examples/NAME/ with its own Pulumi.yaml
 * (its project name and declared config), beside examples/hosts.ts, with the host facts under
 * tests/fixtures, so its relative paths hold.
 */
const uri = "qemu:///system";
const tag = `vk-ex-e2e-${process.pid}`;
const STEP = 15 * 60 * 1000;
const repo = join(__dirname, "..", "..");

function exampleProject(example: string): PulumiProject {
  const project = new PulumiProject(`ex-${example}`, {});
  mkdirSync(join(project.dir, "examples", example), { recursive: true });
  cpSync(join(repo, "examples", example, "index.ts"), join(project.dir, "examples", example, "index.ts"));
  cpSync(join(repo, "examples", "hosts.ts"), join(project.dir, "examples", "hosts.ts"));
  mkdirSync(join(project.dir, "tests"));
  symlinkSync(join(repo, "tests", "fixtures"), join(project.dir, "tests", "fixtures"));
  // the binding where an installed project has it, in node_modules below the program's folder, the
  // only place Pulumi's Node language host looks for packages. Without it the engine records the
  // libvirt provider's version as 0.9.7 when it creates it and proposes 1.2.0 (the bridge plugin's)
  // on every later run, until a second up (README: running an example inside the checkout)
  mkdirSync(join(project.dir, "examples", example, "node_modules", "@pulumi"), { recursive: true });
  symlinkSync(join(repo, "sdks", "libvirt"), join(project.dir, "examples", example, "node_modules", "@pulumi", "libvirt"));
  const main = `examples/${example}/index.ts`;
  const yaml = readFileSync(join(repo, "examples", example, "Pulumi.yaml"), "utf8");
  if (!/^main: index\.ts$/m.test(yaml)) throw new Error(`examples/${example}/Pulumi.yaml no longer says main: index.ts`);
  project.write({
    // the example's own project file (name, config declarations), its program one folder down
    "Pulumi.yaml": yaml.replace(/^main: index\.ts$/m, `main: ${main}`),
    "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "node16", moduleResolution: "node16", esModuleInterop: true, skipLibCheck: true, types: ["node"] }, files: [main] }),
  });
  return project;
}

interface Step {
  op: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** `pulumi preview --json`: each step with its planned inputs; fails with the engine's diagnostics. */
function preview(project: PulumiProject): Step[] {
  const r = project.pulumi("preview", "--json");
  let doc: { steps?: { op: string; urn: string; newState?: { inputs?: Record<string, unknown> } }[]; diagnostics?: { message: string; severity: string }[] };
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`pulumi preview --json printed no JSON (exit ${r.status}):\n${r.output}`);
  }
  if (r.status !== 0) throw new Error(`pulumi preview exited ${r.status}:\n${(doc.diagnostics ?? []).map((d) => `${d.severity}: ${d.message}`).join("\n")}`);
  return (doc.steps ?? []).map((s) => {
    const parts = s.urn.split("::");
    return { op: s.op, type: parts[2].split("$").pop()!, name: parts[3], inputs: s.newState?.inputs ?? {} };
  });
}

const count = (steps: Step[], type: string) => steps.filter((s) => s.type === type).length;
const providerUris = (steps: Step[]) =>
  steps
    .filter((s) => s.type === "pulumi:providers:libvirt")
    .map((s) => s.inputs.uri)
    .sort();

/** This test's domains, pools or networks (other suites share the daemon): names starting with its tag. */
const ours = (cmd: string) =>
  virsh(uri, [`${cmd} --all --name`])
    .split("\n")
    .map((l) => l.trim())
    .filter((n) => n.startsWith(tag))
    .sort();
const exists = (cmd: string, name: string) => spawnSync("virsh", ["-q", "-c", uri, cmd, name]).status === 0;

/** Needs this machine's libvirtd and qemu-img as much as the engine: missing, they fail the suite under CI. */
const describeReal = tools.qemuDaemon && tools.qemuImg ? describeWithProvider : (name: string, body: () => void) => describeWith(tools.qemuDaemon ? "qemuImg" : "qemuDaemon", name, body);

describeReal("the examples on the real Pulumi engine against libvirtd", () => {
  const dir = scratchDir();
  const projects: PulumiProject[] = [];
  const project = (example: string) => {
    const p = exampleProject(example);
    projects.push(p);
    return p;
  };

  afterAll(() => {
    for (const p of projects) p.remove();
    // the image, the sockets and the pools' directories (the exit hook of scratchDir does not always run under jest)
    rmSync(dir, { recursive: true, force: true });
  }, STEP);

  it("nfv-host previews on its host's URI: three domains, their VFs, the GPU", () => {
    const p = project("nfv-host");
    p.init({ uri: { value: uri } });
    const steps = preview(p);
    expect(steps.filter((s) => s.op !== "create")).toEqual([]);
    expect(providerUris(steps)).toEqual([uri]);
    expect(count(steps, "libvirt:index/domain:Domain")).toBe(3);
    expect(count(steps, "virtkit:index:SriovNic")).toBe(4);
    expect(count(steps, "virtkit:index:PciPassthrough")).toBe(1);
  }, STEP);

  it("ovs-dpdk previews on its host's URI: its NAT, Open vSwitch and VF-pool networks and two domains", () => {
    const p = project("ovs-dpdk");
    p.init({ uri: { value: uri } });
    const steps = preview(p);
    expect(steps.filter((s) => s.op !== "create")).toEqual([]);
    expect(providerUris(steps)).toEqual([uri]);
    expect(count(steps, "libvirt:index/network:Network")).toBe(3);
    expect(count(steps, "libvirt:index/domain:Domain")).toBe(2);
  }, STEP);

  it("two-hosts previews on two hosts, one provider per URI (two sockets of this machine's libvirtd)", () => {
    // two URIs are two hosts to virtkit and to the engine; both reach the one libvirtd here
    const uris = ["hv1", "hv2"].map((h) => {
      const socket = join(dir, `${h}.sock`);
      symlinkSync("/run/libvirt/libvirt-sock", socket);
      return `qemu:///system?socket=${socket}`;
    });
    const p = project("two-hosts");
    p.init({ hv1Uri: { value: uris[0] }, hv2Uri: { value: uris[1] } });
    const steps = preview(p);
    expect(steps.filter((s) => s.op !== "create")).toEqual([]);
    expect(providerUris(steps)).toEqual([...uris].sort());
    expect(count(steps, "libvirt:index/domain:Domain")).toBe(6);
  }, STEP);

  describe("single-vm: up, no changes after, destroy", () => {
    let p: PulumiProject;
    const dataPool = `${tag}-data`;
    const dataPoolPath = join(dir, "data");
    const domainType = hostHasKvm() ? "kvm" : "qemu";

    beforeAll(() => {
      // the test's own pool (for the base image, the system disk and the cloud-init seed) and an
      // isolated network (no address, so no dnsmasq), in place of the host's default ones
      virsh(uri, [`pool-define-as ${tag} dir --target ${join(dir, "pool")}`, `pool-build ${tag}`, `pool-start ${tag}`]);
      const netXml = join(dir, "net.xml");
      writeFileSync(netXml, `<network><name>${tag}</name><bridge name="vkex${process.pid % 100000}"/></network>`);
      virsh(uri, [`net-create ${netXml}`]);
      const baseImage = join(dir, "base.qcow2");
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", baseImage, "64M"]);
      p = project("single-vm");
      p.init({
        uri: { value: uri },
        domainType: { value: domainType },
        vmName: { value: tag },
        emulatorPin: { value: "0-1" },
        pool: { value: tag },
        baseImage: { value: baseImage },
        network: { value: tag },
        dataPool: { value: dataPool },
        dataPoolPath: { value: dataPoolPath },
        dataSize: { value: "64MiB" },
      });
      p.ok("config", "set", "--path", "--type", "string", "vcpuPins[0]", "0");
      p.ok("config", "set", "--path", "--type", "string", "vcpuPins[1]", "1");
    }, STEP);

    afterAll(() => {
      // whatever a failed step left: the stack (its volumes are protected), then the test's own objects, by name
      if (p) {
        p.pulumi("state", "unprotect", "--all", "--yes");
        p.pulumi("destroy", "--yes", "--skip-preview");
      }
      const quiet = (...args: string[]) => spawnSync("virsh", ["-q", "-c", uri, ...args]);
      quiet("destroy", tag);
      quiet("undefine", tag, "--nvram");
      for (const pool of [dataPool, tag]) {
        quiet("pool-destroy", pool);
        quiet("pool-undefine", pool);
      }
      quiet("net-destroy", tag);
    }, STEP);

    it("preview plans every resource as a create, on the test's pool, network and image", () => {
      const steps = preview(p);
      expect(steps.filter((s) => s.op !== "create")).toEqual([]);
      expect(providerUris(steps)).toEqual([uri]);
      expect(steps.find((s) => s.type === "libvirt:index/pool:Pool")?.inputs).toMatchObject({ name: dataPool, type: "dir", target: { path: dataPoolPath } });
      expect(steps.find((s) => s.type === "libvirt:index/domain:Domain")?.inputs).toMatchObject({ name: tag, type: domainType });
    }, STEP);

    it("up runs the domain, pinned and with the CPU its domain type can give", () => {
      p.ok("up", "--yes", "--skip-preview");
      expect(virsh(uri, [`domstate ${tag}`]).trim()).toBe("running");
      expect(vcpuPins(uri, tag)).toEqual([
        ["0", "0"],
        ["1", "1"],
      ]);
      expect(virsh(uri, [`emulatorpin ${tag}`]).trim()).toBe("0-1");
      const live = virsh(uri, [`dumpxml ${tag}`]);
      expect(live).toContain(`<domain type='${domainType}'`);
      expect(live).toMatch(domainType === "kvm" ? /<cpu mode='host-passthrough'/ : /<cpu mode='maximum'/);
      // the system disk is an overlay of the test's image, copied into the test's pool
      const out = p.outputs();
      const info = JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", String(out.rootPath)], { encoding: "utf8" }));
      expect(info["backing-filename"]).toMatch(new RegExp(`^${join(dir, "pool")}/base-base-[0-9a-f]{8}\\.qcow2$`));
      expect(String(out.dataPath)).toBe(join(dataPoolPath, "web-data.raw"));
      expect(existsSync(String(out.dataPath))).toBe(true);
    }, STEP);

    it("comes up clean: no changes in preview or refresh", () => {
      // preview --expect-no-changes, then refresh --expect-no-changes
      expect(p.drift()).toBe("");
    }, STEP);

    it("destroy leaves no domain, volume, pool, network or file behind", () => {
      // the cloud-init ISO the provider wrote on this machine before uploading it to the pool
      const state = JSON.parse(p.ok("stack", "export").stdout) as { deployment: { resources: { type: string; outputs?: { path?: string } }[] } };
      const iso = state.deployment.resources.find((r) => r.type === "libvirt:index/cloudinitDisk:CloudinitDisk")?.outputs?.path;
      expect(iso && existsSync(iso)).toBe(true);
      // the volumes are protected (a data volume's default): a user unprotects them to destroy
      p.ok("state", "unprotect", "--all", "--yes");
      p.ok("destroy", "--yes", "--skip-preview");
      expect(exists("dominfo", tag)).toBe(false);
      expect(virsh(uri, [`vol-list ${tag}`]).trim()).toBe("");
      expect(exists("pool-info", dataPool)).toBe(false);
      // of what bears the test's tag, only the pool and network the test made itself are left
      expect(ours("list")).toEqual([]);
      expect(ours("pool-list")).toEqual([tag]);
      expect(ours("net-list")).toEqual([tag]);
      // provider v0.9.7 deletes a dir pool's directory with the pool, and the seed ISO with its resource
      expect(existsSync(dataPoolPath)).toBe(false);
      expect(existsSync(iso!)).toBe(false);
    }, STEP);
  });
});
