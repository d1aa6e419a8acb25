import { join } from "node:path";
import { changesAgainstExport } from "../../../sdk/src/cli/plan/planChanges";
import { runProgram, type ProgramPlan } from "../../../sdk/src/cli/plan/runProgram";

/** A `pulumi stack export` resource as the engine writes it. */
const exported = (type: string, name: string, inputs: Record<string, unknown>, protect = false) => ({
  urn: `urn:pulumi:dev::virtkit-single-vm::virtkit:index:PinnedVm$${type}::${name}`,
  type,
  inputs,
  ...(protect ? { protect } : {}),
});

describe("--against a stack export: what pulumi up does to what is deployed", () => {
  let plan: ProgramPlan;
  beforeAll(async () => {
    plan = await runProgram(join(__dirname, "..", "..", "..", "examples", "single-vm"));
  });
  const inputsOf = (type: string, name: string) => structuredClone(plan.resources.find((r) => r.type === type && r.name === name)!.inputs) as Record<string, any>;
  const classes = (changes: ReturnType<typeof changesAgainstExport>) => Object.fromEntries(changes.map((c) => [c.resource, [c.class, c.fields.join(","), c.refused ?? null]]));

  test("a deployment of the same program: everything unchanged", () => {
    const state = plan.resources.filter((r) => r.custom && r.type.startsWith("libvirt:index/")).map((r) => exported(r.type, r.name, r.inputs));
    const changes = changesAgainstExport(plan, state);
    expect(changes.length).toBeGreaterThanOrEqual(3); // the domain, its overlay and the base image at least
    expect(changes.filter((c) => c.class !== "unchanged")).toEqual([]);
  });

  test("an older deployment: the pinning change restarts the VM, the grown overlay is a refused replacement, a dropped VM is deleted", () => {
    const domain = inputsOf("libvirt:index/domain:Domain", "web");
    domain.cpuTune.vcpuPins[0].cpuSet = "5";
    const root = inputsOf("libvirt:index/volume:Volume", "web-root");
    root.capacity = 1024;
    const others = plan.resources.filter((r) => r.custom && r.type === "libvirt:index/volume:Volume" && r.name !== "web-root");
    const state = [
      exported("libvirt:index/domain:Domain", "web", domain),
      exported("libvirt:index/volume:Volume", "web-root", root, true),
      ...others.map((r) => exported(r.type, r.name, r.inputs)),
      exported("libvirt:index/domain:Domain", "old", { name: "old", vcpu: 1 }),
    ];
    const got = classes(changesAgainstExport(plan, state));
    expect(got['libvirt:index/domain:Domain "web"']).toEqual(["restart", "cpuTune.vcpuPins", null]);
    expect(got['libvirt:index/volume:Volume "web-root"']).toEqual(["replace-volume", "capacity", true]);
    expect(got['libvirt:index/domain:Domain "old"']).toEqual(["delete", "", null]);
    for (const r of others) expect(got[`libvirt:index/volume:Volume "${r.name}"`]).toEqual(["unchanged", "", null]);
  });

  test("a pinning-only change: a restart, but applied live for a VM with livePinning", () => {
    const domain = inputsOf("libvirt:index/domain:Domain", "web");
    domain.cpuTune.vcpuPins[0].cpuSet = "5";
    domain.cpuTune.emulatorPin = { cpuSet: "4" };
    const state = [exported("libvirt:index/domain:Domain", "web", domain)];
    const web = 'libvirt:index/domain:Domain "web"';
    expect(classes(changesAgainstExport(plan, state))[web]).toEqual(["restart", "cpuTune.emulatorPin,cpuTune.vcpuPins", null]);
    // what PinnedVm records for livePinning: true (tests/components/livePinning.test.ts)
    const live = { ...plan, vms: plan.vms.map((vm) => (vm.name === "web" ? { ...vm, livePinning: true } : vm)) };
    expect(classes(changesAgainstExport(live, state))[web]).toEqual(["live", "cpuTune.emulatorPin,cpuTune.vcpuPins", null]);
    // anything else with it still restarts
    domain.vcpu = 3;
    expect(classes(changesAgainstExport(live, state))[web][0]).toBe("restart");
  });

  test("a new chipset restarts the domain (provider v0.9.7 redefines it under its UUID)", () => {
    const domain = inputsOf("libvirt:index/domain:Domain", "web");
    domain.os.typeMachine = "pc";
    const changes = changesAgainstExport(plan, [exported("libvirt:index/domain:Domain", "web", domain)]);
    expect(classes(changes)['libvirt:index/domain:Domain "web"']).toEqual(["restart", "os.typeMachine", null]);
    // the volumes the export lacks are new
    expect(new Set(changes.filter((c) => c.resource.startsWith("libvirt:index/volume")).map((c) => c.class))).toEqual(new Set(["create"]));
  });
});
