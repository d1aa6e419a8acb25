import { buildXml, parseXml } from "../../render/xml";

/**
 * What a QEMU driver can run, read from its `virsh capabilities`: the hypervisor types it
 * offers per guest architecture. A host without `/dev/kvm` offers only `qemu` (TCG).
 */
export interface DriverOffer {
  /** Guest architecture → domain types (`kvm`, `qemu`) the driver offers for it. */
  readonly domainTypes: ReadonlyMap<string, readonly string[]>;
}

type Node = Record<string, unknown>;
const asList = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);

export function driverOffer(capabilitiesXml: string): DriverOffer {
  const doc = parseXml(capabilitiesXml, ["guest", "domain"]) as { capabilities?: { guest?: Node[] } };
  const domainTypes = new Map<string, string[]>();
  for (const guest of doc.capabilities?.guest ?? []) {
    const arch = guest.arch as Node | undefined;
    const name = arch?.["@_name"];
    if (typeof name !== "string") continue;
    const types = asList(arch?.domain).map((d) => d["@_type"]).filter((t): t is string => typeof t === "string");
    domainTypes.set(name, [...new Set([...(domainTypes.get(name) ?? []), ...types])]);
  }
  return { domainTypes };
}

export interface JudgedDomain {
  /** The XML to hand the driver. */
  readonly xml: string;
  /** What was changed to fit this host, said in the verdict; empty when nothing was. */
  readonly adaptations: readonly string[];
}

/**
 * The domain as this driver can judge it. A `kvm` domain on a host whose driver offers
 * only `qemu` is judged as `type='qemu'`: whether the machine running the check has
 * `/dev/kvm` says nothing about the configuration, and TCG builds the same command line
 * but for the accelerator. A `host-passthrough` CPU, which only KVM can give, is judged as
 * `maximum` (`-cpu max`, its TCG counterpart) with its features. Everything else stays as
 * it is, so what this host really cannot do (hugepages it has no mount for, NUMA nodes it
 * lacks) is still refused in libvirt's words.
 */
export function fitToDriver(domainXml: string, offer: DriverOffer): JudgedDomain {
  const doc = parseXml(domainXml) as { domain?: Node & { os?: { type?: Node }; cpu?: Node } };
  const domain = doc.domain;
  const arch = (domain?.os?.type?.["@_arch"] as string | undefined) ?? "x86_64";
  const offered = offer.domainTypes.get(arch) ?? [];
  if (!domain || domain["@_type"] !== "kvm" || offered.includes("kvm") || !offered.includes("qemu")) return { xml: domainXml, adaptations: [] };
  domain["@_type"] = "qemu";
  const adaptations = [`as type='qemu': this host's QEMU driver offers no KVM for ${arch}`];
  if (domain.cpu?.["@_mode"] === "host-passthrough") {
    domain.cpu["@_mode"] = "maximum";
    adaptations.push("cpu mode 'host-passthrough' as 'maximum'");
  }
  return { xml: buildXml(doc), adaptations };
}
