import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderVm } from "../../sdk/src/render";
import { VmSpec } from "../../sdk/src/spec/vm";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { hostHasKvm, scratchDir, virsh } from "../support/libvirt";

/**
 * `virtkit import` then `pulumi up` on a domain that runs already, under the real Pulumi
 * engine and libvirt provider v0.9.7: the domain is adopted by its UUID (PinnedVm `adopt`,
 * Pulumi's `import` option), nothing is created, replaced or restarted, and the stack comes
 * up clean. Needs the provider at the binding's version, like the lifecycle suite.
 */
const uri = "qemu:///system";
const name = `vk-adopt-${process.pid}`;
const root = join(__dirname, "..", "..");
const STEP = 15 * 60 * 1000;

const qemuPid = (): string | undefined => {
  const f = `/run/libvirt/qemu/${name}.pid`;
  return existsSync(f) ? readFileSync(f, "utf8").trim() : undefined;
};

describeWithProvider("virtkit import: pulumi up adopts a running domain (qemu:///system)", () => {
  const dir = scratchDir();
  let project: PulumiProject;
  let uuid: string;
  let pidBefore: string | undefined;

  beforeAll(() => {
    // a running domain made outside Pulumi: a pinned guest on a qcow2 file, defined with virsh
    const disk = join(dir, `${name}.qcow2`);
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "64M"]);
    const spec = VmSpec.parse({
      name, vcpus: 2, domainType: hostHasKvm() ? "kvm" : "qemu", chipset: "q35",
      pinning: { vcpus: ["0", "1"], emulator: "0-1" }, memory: { size: "256MiB" },
      disks: [{ source: { file: disk }, cache: "none", io: "native" }],
    });
    const file = join(dir, "domain.xml");
    writeFileSync(file, renderVm(spec).xml);
    virsh(uri, [`define ${file}`, `start ${name}`]);
    uuid = virsh(uri, [`domuuid ${name}`]).trim();
    pidBefore = qemuPid();

    // what a user runs: dumpxml, then virtkit import into a Pulumi project
    const dumped = join(dir, "dumped.xml");
    writeFileSync(dumped, virsh(uri, [`dumpxml --inactive ${name}`]));
    const imported = spawnSync(process.execPath, [join(root, "bin", "virtkit"), "import", dumped, "--host-uri", uri], { cwd: root, encoding: "utf8" });
    if (imported.status !== 0) throw new Error(`virtkit import failed:\n${imported.stderr}`);
    project = new PulumiProject("adopt", { "index.ts": imported.stdout });
    project.init();
  }, STEP);

  afterAll(() => {
    const quiet = (cmds: string[]) => spawnSync("virsh", ["-q", "-c", uri, cmds.join(" ; ")]);
    quiet([`destroy ${name}`]);
    quiet([`undefine ${name} --nvram`]);
    project?.remove();
  }, STEP);

  it("the imported program says the domain's UUID", () => {
    expect(readFileSync(join(project.dir, "index.ts"), "utf8")).toContain(`adopt: { uuid: "${uuid}" }`);
  });

  it("preview imports the domain: no create, no replacement", () => {
    const steps = project.previewSteps().filter((s) => s.type === "libvirt:index/domain:Domain");
    expect(steps.map((s) => [s.name, s.op])).toEqual([[name, "import"]]);
  }, STEP);

  it("up adopts it with zero replacements: same UUID, same QEMU process, still running", () => {
    const up = project.ok("up", "--yes", "--skip-preview");
    expect(up.output).not.toMatch(/replaced|replacing|creating replacement/i);
    expect(virsh(uri, [`domuuid ${name}`]).trim()).toBe(uuid);
    expect(virsh(uri, [`domstate ${name}`])).toMatch(/running/);
    expect(qemuPid()).toBe(pidBefore);
  }, STEP);

  it("comes up clean: no perpetual diff in preview or refresh", () => {
    expect(project.drift()).toBe("");
  }, STEP);
});
