import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What `virsh capabilities` and `virsh nodedev-dumpxml` print on a host, read from a
 * folder holding `capabilities.xml` and `nodedev/*.xml`. Collect them on a real host with:
 *   virsh capabilities > capabilities.xml
 *   for d in $(virsh nodedev-list --cap pci) $(virsh nodedev-list --cap net); do virsh nodedev-dumpxml $d > nodedev/$d.xml; done
 */
export function hostFacts(dir: string): { capabilities: string; devices: string[] } {
  const nodedev = join(dir, "nodedev");
  return {
    capabilities: readFileSync(join(dir, "capabilities.xml"), "utf8"),
    devices: readdirSync(nodedev)
      .filter((f) => f.endsWith(".xml"))
      .sort()
      .map((f) => readFileSync(join(nodedev, f), "utf8")),
  };
}

/** A 2-socket server: 2 NUMA nodes × 16 cores × 2 threads, an SR-IOV PF per node, a GPU on node 1. */
export const TWO_SOCKET_SERVER = join(__dirname, "..", "tests", "fixtures", "hosts", "two-socket");
