import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** What virtkit knows of a host: `virsh capabilities` and `virsh nodedev-dumpxml` documents. */
export interface HostFacts {
  readonly capabilities: string;
  readonly devices: string[];
}

/**
 * Host facts from a folder as `virtkit facts --out DIR` writes it: `capabilities.xml` and
 * `nodedev/*.xml` (the folder may be missing: a host without device documents). Give the
 * result to a LibvirtHost: `new LibvirtHost("hv1", { uri, ...readHostFacts("hosts/hv1") })`.
 */
export function readHostFacts(dir: string): HostFacts {
  const nodedev = join(dir, "nodedev");
  let files: string[] = [];
  try {
    files = readdirSync(nodedev).filter((f) => f.endsWith(".xml")).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return {
    capabilities: readFileSync(join(dir, "capabilities.xml"), "utf8"),
    devices: files.map((f) => readFileSync(join(nodedev, f), "utf8")),
  };
}
