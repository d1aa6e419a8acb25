import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import * as libvirt from "@pulumi/libvirt";
import { z } from "zod";
import { VirtkitValidationError } from "../errors";
import { Cpuset } from "../spec/common";
import { parseOrThrow } from "../spec/validate";
import { capacityReport, type HostCapacity } from "../host/capacity";
import { HostModelError } from "../host/capabilities";
import { HostLedger } from "../host/ledger";
import type { HostModel } from "../host/model";
import { buildHostModel } from "../host/nodedev";
import { recordPlannedHost, requireUniqueName } from "../program/registry";

export const LibvirtHostArgsSchema = z.object({
  /** libvirt connection URI: `qemu:///system`, `qemu+ssh://root@hv1/system`, `test:///default`. Each host gets its own provider for it. */
  uri: z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/, { message: 'expected a libvirt URI like "qemu+ssh://root@hv1/system"' }),
  /** `virsh capabilities` XML of the host; enables host checks and `pinning: "auto"`. Without it virtkit cannot check placement against the host. */
  capabilities: z.string().optional(),
  /** `virsh nodedev-dumpxml` documents of the host's PCI devices (SR-IOV PFs and VFs, GPUs). */
  devices: z.array(z.string()).default([]),
  /** Host CPUs kept for the host and VMs' housekeeping threads (libvirt cpuset, e.g. `"0-1,32-33"`), never given to vCPUs. Default none. */
  reservedCpus: Cpuset.optional(),
});

export type LibvirtHostArgs = z.input<typeof LibvirtHostArgsSchema> & {
  /** Use this provider instead of creating one for `uri`. */
  provider?: pulumi.ProviderResource;
};

/**
 * One libvirt host: a provider instance for its URI, what virtkit knows of its hardware,
 * and the ledger of what the components on it have claimed (CPUs, hugepages, VFs).
 */
export class LibvirtHost extends pulumi.ComponentResource {
  readonly uri: string;
  /** The component's name, used in messages and child names. */
  readonly hostName: string;
  private ownProvider: pulumi.ProviderResource | undefined;
  /** The host model, when `capabilities` was given. */
  readonly model: HostModel | undefined;
  /** Claims of the VMs placed on this host so far, in declaration order. */
  readonly ledger: HostLedger | undefined;
  /** CPUs, hugepages and VFs used and free per NUMA node, once every VM of the program is declared. */
  readonly capacity: pulumi.Output<HostCapacity | undefined>;

  private readonly names = new Map<string, string>();
  private readonly vfPools = new Map<string, libvirt.Network>();
  private readonly baseImages = new Map<string, libvirt.Volume>();

  constructor(name: string, args: LibvirtHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec, model, ledger } = hostOf(name, args);
    requireUniqueName("virtkit:index:LibvirtHost", name, opts);
    super("virtkit:index:LibvirtHost", name, {}, opts);
    this.hostName = name;
    this.uri = spec.uri;
    this.model = model;
    this.ledger = ledger;
    recordPlannedHost({ name, uri: spec.uri, ledger });
    // a libvirt provider given as args.provider, or as the component's provider/providers option
    this.ownProvider = args.provider ?? this.getProvider("libvirt:index/domain:Domain");
    // Read lazily: VMs declared after the host add to the ledger until the program ends.
    this.capacity = pulumi.output(Promise.resolve(0)).apply(() => (this.ledger ? capacityReport(this.ledger) : undefined));
    this.registerOutputs({ uri: this.uri, capacity: this.capacity });
  }

  /**
   * The libvirt provider for this host's URI, made when the first resource needs it: a host
   * whose program registers only virtkit's own resources (a LUKS volume) needs no provider.
   */
  get provider(): pulumi.ProviderResource {
    return (this.ownProvider ??= new libvirt.Provider(`${this.hostName}-provider`, { uri: this.uri }, { parent: this }));
  }

  /**
   * Reserves a libvirt object name on this host. The engine refuses duplicate URNs, mocks
   * do not, and libvirt would overwrite: so duplicates fail here, naming both components.
   */
  claimName(kind: "domain" | "volume" | "network", objectName: string, component: string, path: string): void {
    this.checkNameFree(kind, objectName, component, path);
    this.names.set(`${kind}:${objectName}`, component);
  }

  /** Throws when `objectName` is taken, without claiming it (for checks before a plan is complete). */
  checkNameFree(kind: "domain" | "volume" | "network", objectName: string, component: string, path: string): void {
    const holder = this.names.get(`${kind}:${objectName}`);
    if (holder) throw new VirtkitValidationError(component, [{ path, reason: `${kind} "${objectName}" on host ${this.hostName} is already declared by ${holder}` }]);
  }

  /**
   * The base image downloaded from `url` into `pool`, created once per pool and URL and
   * shared by every overlay on it. It belongs to the host, not to one overlay, so removing
   * one overlay never deletes a base others still read from.
   */
  baseImage(pool: string, url: string): libvirt.Volume {
    const key = `${pool}|${url}`;
    let base = this.baseImages.get(key);
    if (!base) {
      const file = url.replace(/[?#].*$/, "").split("/").pop() || "image";
      const stem = file.replace(/\.(qcow2|img|raw)$/i, "").replace(/[^A-Za-z0-9_.+-]/g, "-").slice(0, 40);
      const hash = createHash("sha1").update(url).digest("hex").slice(0, 8);
      const volumeName = `base-${stem}-${hash}.qcow2`;
      this.claimName("volume", `${pool}/${volumeName}`, `LibvirtHost "${this.hostName}"`, "baseImage");
      base = new libvirt.Volume(
        `${this.hostName}-${volumeName}`,
        { name: volumeName, pool, target: { format: { type: "qcow2" } }, create: { content: { url } } },
        { parent: this, provider: this.provider },
      );
      this.baseImages.set(key, base);
    }
    return base;
  }

  /** The libvirt hostdev network that hands out VFs of `pf`, created once per PF. */
  vfPoolNetwork(pf: string, create: () => libvirt.Network): libvirt.Network {
    let net = this.vfPools.get(pf);
    if (!net) {
      net = create();
      this.vfPools.set(pf, net);
    }
    return net;
  }
}

/** Parses a host's arguments and builds its model and ledger; throws VirtkitValidationError. */
function hostOf(name: string, args: LibvirtHostArgs): { spec: z.infer<typeof LibvirtHostArgsSchema>; model?: HostModel; ledger?: HostLedger } {
  const component = `LibvirtHost "${name}"`;
  const spec = parseOrThrow(LibvirtHostArgsSchema, args, component);
  if (spec.capabilities === undefined) {
    if (spec.reservedCpus || spec.devices.length) {
      throw new VirtkitValidationError(component, [{ path: "capabilities", reason: "reservedCpus and devices need the host's capabilities XML (virsh capabilities)" }]);
    }
    return { spec };
  }
  try {
    const model = buildHostModel(spec.capabilities, spec.devices);
    return { spec, model, ledger: new HostLedger(name, model, { reservedCpus: spec.reservedCpus }) };
  } catch (e) {
    if (!(e instanceof HostModelError)) throw e;
    const path = e.source === "devices" && e.index !== undefined ? `devices[${e.index}]` : e.source;
    throw new VirtkitValidationError(component, [{ path, reason: e.message }]);
  }
}

/**
 * The host a component's arguments name, or a VirtkitValidationError naming `host`. The host
 * is needed as a plain LibvirtHost while the program runs (placement happens then), so an
 * Output or a promise of one cannot stand in for it.
 */
export function requireHost(args: unknown, component: string): LibvirtHost {
  const host = (args as { host?: unknown } | null | undefined)?.host;
  if (host instanceof LibvirtHost) return host;
  const why = pulumi.Output.isInstance(host)
    ? "an Output; virtkit places resources on their host while the program runs, so it needs the LibvirtHost itself"
    : host === undefined
      ? "missing"
      : `${describe(host)}, not a LibvirtHost`;
  throw new VirtkitValidationError(component, [{ path: "host", reason: `expected a LibvirtHost: ${why}` }]);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
