import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildHostModel } from "../../host/nodedev";

/** What `virtkit facts` wrote, and what it could not collect. */
export interface CollectedFacts {
  readonly files: readonly string[];
  readonly notes: readonly string[];
  /** CPUs, NUMA nodes and PCI devices of the model virtkit builds from the documents. */
  readonly summary: string;
}

/**
 * Collects a host's facts through virsh into `dir`: capabilities.xml, and the PCI and network
 * devices' nodedev documents under nodedev/ (net devices name the interfaces of their PCI
 * parents, which is how a PF is found by its name). The documents are checked by building
 * virtkit's host model from them before anything is written.
 */
export function collectHostFacts(uri: string, dir: string): CollectedFacts {
  const capabilities = virsh(uri, ["capabilities"]);
  const notes: string[] = [];
  const names: string[] = [];
  for (const cap of ["pci", "net"]) {
    const list = spawnSync("virsh", ["-q", "-c", uri, "nodedev-list", "--cap", cap], { encoding: "utf8", timeout: 60000 });
    if (list.status !== 0) {
      notes.push(`no ${cap} devices listed (${`${list.stderr}`.trim().split("\n")[0] || "virsh nodedev-list failed"}): placement cannot see them`);
      continue;
    }
    names.push(...list.stdout.split("\n").map((l) => l.trim()).filter(Boolean));
  }
  const devices = names.map((name) => ({ name, xml: virsh(uri, ["nodedev-dumpxml", name]) }));
  const model = buildHostModel(capabilities, devices.map((d) => d.xml));
  mkdirSync(join(dir, "nodedev"), { recursive: true });
  const files = [join(dir, "capabilities.xml")];
  writeFileSync(files[0], capabilities);
  for (const d of devices) {
    // nodedev names are [A-Za-z0-9_]; anything else must not become a path
    const file = join(dir, "nodedev", `${d.name.replace(/[^A-Za-z0-9_.-]/g, "_")}.xml`);
    writeFileSync(file, d.xml);
    files.push(file);
  }
  const pfs = model.pciDevices.filter((p) => p.sriov).length;
  const summary = `${model.cpus.length} CPUs on ${model.nodes.length} NUMA node(s), ${model.pciDevices.length} PCI devices (${pfs} SR-IOV PFs)`;
  return { files, notes, summary };
}

function virsh(uri: string, args: string[]): string {
  const r = spawnSync("virsh", ["-c", uri, ...args], { encoding: "utf8", timeout: 60000 });
  if (r.error) throw new Error(`virsh: ${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed (Debian package libvirt-clients)" : r.error.message}`);
  if (r.status !== 0) throw new Error(`virsh -c ${uri} ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}
