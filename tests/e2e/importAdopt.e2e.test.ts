import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderVm } from "../../sdk/src/render";
import { VmSpec } from "../../sdk/src/schema/vm";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { hostHasKvm, scratchDir, virsh } from "../support/libvirt";

/**
 * `virtkit import` then `pulumi up` on a domain that runs already, under the real Pulumi
 * engine and libvirt provider v0.9.7: the domain is adopted by its UUID (PinnedVm `adopt`,
 * Pulumi's `import` option), nothing is created or replaced, and once `adopt` is taken out of
 * the program the stack comes up clean. Needs the provider at the binding's version, like the
 * lifecycle suite.
 *
 * What provider 0.9.7 and the bridge really do, as real runs showed (README, "Adopting running
 * domains"), and what this suite therefore asserts instead of "import only, same QEMU process":
 * - the provider's import reads the whole live XML (device aliases, the controllers, inputs
 *   and balloon libvirt adds, pty paths, seclabels, autostart, the versioned machine type),
 *   which the program does not say, so the import is followed by an update of the Domain;
 *   the provider's update is shutdown, undefine, define, start: one restart, same UUID;
 * - the bridge keeps no Pulumi id for a Domain (the provider's `id` is libvirt's numeric
 *   domain id, so the id is "missing ID"), so `import: UUID` never matches the state's id and
 *   a program that keeps `adopt` imports the domain again as a replacement on every run, whose
 *   "delete original" undefines the domain (a real second `up` did). `adopt` is for one `up`.
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

  it("preview imports the domain, then updates it: no create, no replacement", () => {
    const steps = project.previewSteps().filter((s) => s.type === "libvirt:index/domain:Domain");
    // the update: provider 0.9.7's import state is the whole live XML, more than the program says
    expect(steps.map((s) => [s.name, s.op])).toEqual([[name, "import"], [name, "update"]]);
  }, STEP);

  it("up adopts it with zero replacements: same UUID, still running, at most the one restart of the update", () => {
    const up = project.ok("up", "--yes", "--skip-preview");
    expect(up.output).not.toMatch(/replaced|replacing|creating replacement|deleting/i);
    expect(up.output).toMatch(/1 imported/);
    expect(virsh(uri, [`domuuid ${name}`]).trim()).toBe(uuid);
    expect(virsh(uri, [`domstate ${name}`])).toMatch(/running/);
    // provider 0.9.7 updates by shutdown, undefine, define, start: a new QEMU process, not a new domain
    const pid = qemuPid();
    expect(pid).toBeDefined();
    if (pid !== pidBefore) expect(up.output).toMatch(/1 updated/);
  }, STEP);

  it("a program that keeps adopt would import the domain again as a replacement (the bridge keeps no id)", () => {
    const steps = project.previewSteps().filter((s) => s.type === "libvirt:index/domain:Domain");
    expect(steps.map((s) => s.op)).toContain("replace");
  }, STEP);

  it("with adopt taken out after the first up (README's workaround), comes up clean: no diff in preview or refresh", () => {
    const file = join(project.dir, "index.ts");
    const program = readFileSync(file, "utf8");
    const line = `  adopt: { uuid: "${uuid}" },\n`;
    expect(program).toContain(line);
    writeFileSync(file, program.replace(line, ""));
    expect(project.drift()).toBe("");
    expect(virsh(uri, [`domuuid ${name}`]).trim()).toBe(uuid);
  }, STEP);
});
