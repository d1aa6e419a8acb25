import * as pulumi from "@pulumi/pulumi";
import { valueOf } from "../support/mocks";
import { capabilities } from "../support/componentHarness";

/**
 * One program function run twice in one process, as Automation API inline programs do
 * (preview, then up): each run is a program of its own, with its own names and ledgers.
 */
async function run(virtkit: typeof import("../../sdk/src/index")) {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs }, "inline", "dev", false);
  const host = new virtkit.LibvirtHost("hv1", { uri: "qemu:///system", capabilities, reservedCpus: "0-1,32-33" });
  const db = new virtkit.PinnedVm("db", { host, vcpus: 4, cpu: { topology: { sockets: 1, cores: 2, threads: 2 } }, memory: { size: "4GiB" } });
  const web = new virtkit.PinnedVm("web", { host, vcpus: 2, memory: { size: "2GiB" } });
  const result = {
    xml: [await valueOf(db.domainXml), await valueOf(web.domainXml)],
    planned: virtkit.plannedVms().map((vm) => `${vm.component} on ${vm.host}`),
  };
  // a run ends when the engine has answered everything it started
  await pulumi.runtime.disconnect();
  return result;
}

describe("a program run twice in one process", () => {
  it("plans identically both times: names and host CPUs are per run, not per process", async () => {
    const virtkit = await import("../../sdk/src/index");
    const first = await run(virtkit);
    const second = await run(virtkit);
    expect(first.planned).toEqual(['PinnedVm "db" on hv1', 'PinnedVm "web" on hv1']);
    expect(second).toEqual(first);
    expect(first.xml[0]).toMatch(/<vcpupin vcpu="0" cpuset="\d+"\/>/);
  });

  it("still refuses one name twice within a run", async () => {
    const virtkit = await import("../../sdk/src/index");
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs }, "inline", "dev", false);
    new virtkit.LibvirtHost("hv1", { uri: "qemu:///system" });
    expect(() => new virtkit.LibvirtHost("hv1", { uri: "qemu:///system" })).toThrow(/another LibvirtHost is already named "hv1" in this program/);
  });
});
