import { parseXml } from "../../sdk/src/render";
import { parseCpuset } from "../../sdk/src/schema/cpuset";

/** Elements that virsh may print once or many times, always read as arrays. */
export const ARRAYS = ["vcpupin", "iothreadpin", "memnode", "cell", "feature", "hostdev", "interface", "controller", "page", "disk", "vcpusched"];
export type Node = Record<string, any>;
export const domainOf = (xml: string): Node => parseXml(xml, ARRAYS).domain as Node;

/** The host placement facts of a domain, read the same way from our XML and from libvirt's. */
export function placementFacts(d: Node) {
  const attrs = (list: Node[] | undefined, keys: string[]) => (list ?? []).map((n) => Object.fromEntries(keys.map((k) => [k, n[`@_${k}`]])));
  return {
    vcpupins: attrs(d.cputune?.vcpupin, ["vcpu", "cpuset"]),
    emulatorpin: d.cputune?.emulatorpin?.["@_cpuset"],
    iothreadpins: attrs(d.cputune?.iothreadpin, ["iothread", "cpuset"]),
    // libvirt keeps one <vcpusched> per vCPU, so compare per vCPU
    vcpusched: attrs(d.cputune?.vcpusched, ["vcpus", "scheduler", "priority"]).flatMap((s) =>
      parseCpuset(s.vcpus).map((vcpu) => ({ vcpu, scheduler: s.scheduler, priority: s.priority })),
    ),
    hugepages: attrs(d.memoryBacking?.hugepages?.page, ["size", "unit", "nodeset"]),
    locked: d.memoryBacking?.locked !== undefined,
    nosharepages: d.memoryBacking?.nosharepages !== undefined,
    numatuneMemory: d.numatune?.memory && { mode: d.numatune.memory["@_mode"], nodeset: d.numatune.memory["@_nodeset"] },
    memnodes: attrs(d.numatune?.memnode, ["cellid", "mode", "nodeset"]),
    cells: attrs(d.cpu?.numa?.cell, ["id", "cpus", "memory", "memAccess"]),
    topology: d.cpu?.topology && { ...d.cpu.topology },
    features: attrs(d.cpu?.feature, ["policy", "name"]),
    hostdevs: (d.devices?.hostdev ?? []).map((h: Node) => ({ ...h.source.address, "@_type": undefined })),
    vfs: (d.devices?.interface ?? [])
      .filter((i: Node) => i["@_type"] === "hostdev")
      .map((i: Node) => ({ address: { ...i.source.address }, mac: i.mac?.["@_address"], vlan: i.vlan?.tag?.["@_id"], trust: i["@_trustGuestRxFilters"] })),
    expanders: (d.devices?.controller ?? [])
      .filter((c: Node) => /expander/.test(c["@_model"]))
      .map((c: Node) => ({ model: c["@_model"], index: c["@_index"], busNr: c.target["@_busNr"], node: String(c.target.node) })),
  };
}

