import { readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describeWithProvider, PulumiProject } from "../support/engine";
import { removePool, scratchDir, scratchPool } from "../support/libvirt";

/**
 * No process outlives the pulumi command that started it. The terraform-provider bridge starts
 * the libvirt provider with nothing that ends it, and the engine SIGKILLs the bridge
 * (pulumi-terraform-bridge#3349): without scripts/engine's wrapper every command left one
 * provider per provider instance running, reparented to pid 1. Two hosts here: two instances.
 */
const uri = "qemu:///system";
const tag = `vk-procs-${process.pid}`;
const STEP = 10 * 60 * 1000;

/** The engine's plugins and what they start, by command line. */
const PLUGIN = /terraform-provider-libvirt|pulumi-resource-|pulumi-language-|dynamic-provider/;

/**
 * Plugin processes started for this project: each inherits the engine's environment, whose
 * PULUMI_BACKEND_URL names the project's own state directory, so suites running beside this
 * one (or leftovers of earlier runs) are not counted.
 */
function pluginProcesses(backend: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (!PLUGIN.test(cmdline)) continue;
      if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(`PULUMI_BACKEND_URL=${backend}`)) found.push(`${entry} ${cmdline}`);
    } catch {
      continue; // ended while we looked
    }
  }
  return found;
}

/** This project's plugin processes still alive a few seconds after its command returned. */
function leftOver(backend: string): string[] {
  const deadline = Date.now() + 5000;
  let alive = pluginProcesses(backend);
  while (alive.length > 0 && Date.now() < deadline) {
    spawnSync("sleep", ["0.5"]);
    alive = pluginProcesses(backend);
  }
  return alive;
}

const program = (sockets: string) => `import * as virtkit from "virtkit";

for (const name of ["a", "b"]) {
  // one URI per host (a socket path of its own to this machine's libvirtd): two provider
  // instances, as two hypervisors would have
  const host = new virtkit.LibvirtHost(name, { uri: "qemu:///system?socket=${sockets}/" + name });
  new virtkit.Qcow2Volume(name + "-data", { host, pool: "${tag}", size: "8MiB", format: "raw", name: "${tag}-" + name + ".raw", allowReplace: true });
}
`;

describeWithProvider("no engine process outlives its pulumi command", () => {
  const dir = scratchDir();
  let project: PulumiProject;

  beforeAll(() => {
    scratchPool(uri, tag, join(dir, "pool"));
    for (const name of ["a", "b"]) symlinkSync("/run/libvirt/libvirt-sock", join(dir, name));
    project = new PulumiProject("e2e-procs", { "index.ts": program(dir) });
    project.init();
  }, STEP);

  afterAll(() => {
    project?.destroyAndRemove();
    removePool(uri, tag);
  }, STEP);

  it.each([
    ["preview", ["preview"]],
    ["up", ["up", "--yes", "--skip-preview"]],
    ["a no-change preview", ["preview", "--expect-no-changes"]],
    ["refresh", ["refresh", "--yes"]],
    ["destroy", ["destroy", "--yes", "--skip-preview"]],
  ])("%s leaves no provider, bridge, language host or dynamic provider running", (_, args) => {
    project.ok(...args);
    expect(leftOver(String(project.env.PULUMI_BACKEND_URL))).toEqual([]);
  }, STEP);
});
