import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import * as libvirt from "@pulumi/libvirt";
import type { z } from "zod";
import { VirtkitValidationError } from "../errors";
import { parseOrThrow } from "../schema/validate";
import { capacityReport, type HostCapacity } from "../host/capacity";
import { HostModelError } from "../host/capabilities";
import { HostLedger } from "../host/ledger";
import type { HostModel } from "../host/model";
import { buildHostModel } from "../host/nodedev";
import { currentRun, type ProgramRun } from "../program/runContext";
import { HypervisorClaims, type LibvirtObjectKind } from "../program/hypervisorClaims";
import { componentId, describeComponent, outputsOf } from "../program/componentContract";
import { hostErrorHook } from "./hostFailures";
import { LibvirtHostArgsSchema, libvirtHostContract, LibvirtUri, type LibvirtHostArgs } from "./args";
import { refuseNulls } from "../program/nullArgs";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const bindingPackage = require("@pulumi/libvirt/package.json") as { pulumi: { version: string } };

/**
 * A provider made from a package reference (a parameterized package such as this binding) and
 * registered without a version option gets, on the run that creates it, the version the
 * language host reports for the package (0.9.7) and on every later run the plugin's (1.2.0):
 * one spurious `~version` update after the first `up` (Pulumi 3.248's source_eval). The Node SDK
 * drops a version given as an option whenever there is a package reference, so an engine-side
 * transform sets it; with a version option the engine keeps the package's own version on
 * every run. Under the mock engine (unit tests, `virtkit plan`) there are neither transforms
 * nor versions.
 */
const BRIDGE_PLUGIN_VERSION = bindingPackage.pulumi.version;
const pinProviderVersion: pulumi.ResourceTransform = ({ props, opts }) => ({ props, opts: { ...opts, version: BRIDGE_PLUGIN_VERSION } });

/**
 * One libvirt host: a provider instance for its URI, what virtkit knows of its hardware,
 * and the ledger of what the components on it have claimed (CPUs, hugepages, VFs).
 */
export class LibvirtHost extends pulumi.ComponentResource {
  /** The URI as given: a string, or an Input known when the program deploys. */
  readonly uri: pulumi.Input<string>;
  /** The URI as an Output: checked, once known, against the program's other hosts. */
  readonly uriOutput: pulumi.Output<string>;
  /** What this host shares with every other LibvirtHost of its URI in the program: ledger and libvirt names. */
  readonly hypervisor: HypervisorClaims;
  /** The program run this host belongs to; the components on the host reach it through here. */
  readonly run: ProgramRun;
  /** The component's name, used in messages and child names. */
  readonly hostName: string;
  private ownProvider: pulumi.ProviderResource | undefined;
  private errorHook: pulumi.ErrorHook | undefined | null = null;
  /** The host model, when `capabilities` was given. */
  readonly model: HostModel | undefined;
  /** Claims of the VMs placed on this host so far, in declaration order. */
  readonly ledger: HostLedger | undefined;
  /** CPUs, hugepages and VFs used and free per NUMA node, once every VM of the program is declared. */
  readonly capacity: pulumi.Output<HostCapacity | undefined>;

  constructor(name: string, args: LibvirtHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const component = describeComponent(componentId("LibvirtHost", name));
    refuseNulls(libvirtHostContract, component, args);
    const run = currentRun();
    const facts = hostOf(run, name, args);
    const hypervisor = hypervisorFor(run, facts, component);
    run.requireUniqueName("LibvirtHost", name, opts);
    super("virtkit:index:LibvirtHost", name, {}, opts);
    this.run = run;
    this.hostName = name;
    this.uri = facts.spec.uri;
    this.hypervisor = hypervisor;
    this.model = hypervisor.model;
    this.ledger = hypervisor.ledger;
    this.uriOutput = typeof facts.spec.uri === "string" ? pulumi.output(facts.spec.uri) : pulumi.output(facts.spec.uri).apply((uri) => checkLateUri(run, uri, component, hypervisor));
    run.hosts.push({ name, uri: typeof facts.spec.uri === "string" ? facts.spec.uri : "(known at deployment)", ledger: this.ledger });
    // a libvirt provider given as args.provider, or as the component's provider/providers option
    this.ownProvider = args.provider ?? this.getProvider("libvirt:index/domain:Domain");
    // Read lazily: VMs declared after the host add to the ledger until the program ends.
    this.capacity = pulumi.output(Promise.resolve(0)).apply(() => (this.ledger ? capacityReport(this.ledger) : undefined));
    // the URI as given: its check fails the resources that use it, not the component
    this.registerOutputs({ ...outputsOf(libvirtHostContract, this), uri: facts.spec.uri });
  }

  /**
   * The libvirt provider for this host's URI, made when the first resource needs it: a host
   * whose program registers only virtkit's own resources (a LUKS volume) needs no provider.
   */
  get provider(): pulumi.ProviderResource {
    return (this.ownProvider ??= new libvirt.Provider(`${this.hostName}-provider`, { uri: this.uriOutput }, { parent: this, transforms: pulumi.runtime.hasEngine() ? [pinProviderVersion] : [] }));
  }

  /**
   * Options for a resource made on this host: when its operation fails, the host's error hook
   * names this host and its URI beside the provider's words (the engine names only the resource).
   */
  onHost<T extends pulumi.CustomResourceOptions>(opts: T): T {
    if (this.errorHook === null) this.errorHook = hostErrorHook(this.hostName, typeof this.uri === "string" ? this.uri : undefined, this);
    if (!this.errorHook) return opts;
    return { ...opts, hooks: { ...opts.hooks, onError: [...(opts.hooks?.onError ?? []), this.errorHook] } };
  }

  /** Options for a libvirt resource on this host: its provider, and the host's error hook. */
  libvirtOptions(opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return this.onHost({ ...opts, provider: this.provider });
  }

  /**
   * Reserves a libvirt object name on this host. The engine refuses duplicate URNs, mocks
   * do not, and libvirt would overwrite: so duplicates fail here, naming both components.
   */
  claimName(kind: LibvirtObjectKind, objectName: string, component: string, path: string): void {
    this.checkNameFree(kind, objectName, component, path);
    this.hypervisor.take(kind, objectName, component);
  }

  /** Throws when `objectName` is taken, without claiming it (for checks before a plan is complete). */
  checkNameFree(kind: LibvirtObjectKind, objectName: string, component: string, path: string): void {
    const holder = this.hypervisor.holderOf(kind, objectName);
    if (holder) throw new VirtkitValidationError(component, [{ path, reason: `${kind} "${objectName}" on host ${this.hostName} is already declared by ${holder}` }]);
  }

  /**
   * The base image downloaded from `url` into `pool`, created once per pool and URL and
   * shared by every overlay on it. It belongs to the host, not to one overlay, so removing
   * one overlay never deletes a base others still read from.
   */
  baseImage(pool: string, url: string, poolResource?: pulumi.Resource): libvirt.Volume {
    let inPool = this.hypervisor.baseImages.get(pool);
    if (!inPool) this.hypervisor.baseImages.set(pool, (inPool = new Map()));
    let base = inPool.get(url);
    if (!base) {
      const file = url.replace(/[?#].*$/, "").split("/").pop() || "image";
      const stem = file.replace(/\.(qcow2|img|raw)$/i, "").replace(/[^A-Za-z0-9_.+-]/g, "-").slice(0, 40);
      const hash = createHash("sha1").update(url).digest("hex").slice(0, 8);
      const volumeName = `base-${stem}-${hash}.qcow2`;
      this.claimName("volume", `${pool}/${volumeName}`, `LibvirtHost "${this.hostName}"`, "baseImage");
      base = new libvirt.Volume(
        `${this.hostName}-${volumeName}`,
        { name: volumeName, pool, target: { format: { type: "qcow2" } }, create: { content: { url } } },
        this.libvirtOptions({ parent: this, dependsOn: poolResource ? [poolResource] : undefined }),
      );
      inPool.set(url, base);
    }
    return base;
  }

  /**
   * A base image from a URL known only at deployment: it cannot be shared by URL (the URL is
   * not known while the program runs), so it is the overlay's own, named after it.
   */
  baseImageFromLateUrl(pool: string, overlay: string, url: pulumi.Input<string>, poolResource?: pulumi.Resource): libvirt.Volume {
    const volumeName = `base-of-${overlay.replace(/\.(qcow2|img|raw)$/i, "")}.qcow2`;
    this.claimName("volume", `${pool}/${volumeName}`, `LibvirtHost "${this.hostName}"`, "baseImage");
    return new libvirt.Volume(
      `${this.hostName}-${volumeName}`,
      { name: volumeName, pool, target: { format: { type: "qcow2" } }, create: { content: { url } } },
      this.libvirtOptions({ parent: this, dependsOn: poolResource ? [poolResource] : undefined }),
    );
  }

  /** The libvirt hostdev network that hands out VFs of `pf`, created once per PF. */
  vfPoolNetwork(pf: string, create: () => libvirt.Network): libvirt.Network {
    let net = this.hypervisor.vfPools.get(pf);
    if (!net) {
      net = create();
      this.hypervisor.vfPools.set(pf, net);
    }
    return net;
  }
}

/** The hypervisor of a plain URI: the one its first host declared, when the facts agree. */
function hypervisorFor(run: ProgramRun, facts: HostFacts, component: string): HypervisorClaims {
  const { spec, model, ledger, factsKey } = facts;
  if (typeof spec.uri !== "string") return new HypervisorClaims(undefined, component, model, ledger, factsKey);
  const known = run.hypervisors.get(spec.uri);
  if (!known) {
    const made = new HypervisorClaims(spec.uri, component, model, ledger, factsKey);
    run.hypervisors.set(spec.uri, made);
    return made;
  }
  if (known.factsKey === factsKey && facts.model) known.ledger?.addLocked(run.lockedVmsOf(facts.name));
  if (known.factsKey !== factsKey) {
    throw new VirtkitValidationError(component, [
      {
        path: "uri",
        reason:
          `${spec.uri} is also the URI of ${known.firstHost}, whose capabilities, devices or reservedCpus differ from these; ` +
          `hosts of one URI are one hypervisor with one ledger, so give both the same facts (or use ${known.firstHost} itself)`,
      },
    ]);
  }
  return known;
}

/**
 * A URI known only at deployment cannot share a ledger (placement is done by then): another
 * host of the same URI would be a second ledger on one hypervisor, so it is refused.
 */
function checkLateUri(run: ProgramRun, uri: string, component: string, hypervisor: HypervisorClaims): string {
  const parsed = LibvirtUri.safeParse(uri);
  if (!parsed.success) throw new VirtkitValidationError(component, [{ path: "uri", reason: parsed.error.issues[0].message }]);
  const other = run.hypervisors.get(uri) ?? run.lateHypervisors.get(uri);
  if (other && other !== hypervisor) {
    throw new VirtkitValidationError(component, [
      {
        path: "uri",
        reason: `resolved to the URI of ${other.firstHost}; a URI known only at deployment cannot share that host's ledger (placement is done by then): use ${other.firstHost} itself, or give both the URI as a plain string`,
      },
    ]);
  }
  run.lateHypervisors.set(uri, hypervisor);
  return uri;
}

interface HostFacts {
  name: string;
  spec: z.infer<typeof LibvirtHostArgsSchema>;
  model?: HostModel;
  ledger?: HostLedger;
  factsKey: string;
}

/** Parses a host's arguments and builds its model and ledger; throws VirtkitValidationError. */
function hostOf(run: ProgramRun, name: string, args: LibvirtHostArgs): HostFacts {
  const component = describeComponent(componentId("LibvirtHost", name));
  const spec = parseOrThrow(LibvirtHostArgsSchema, args, component);
  if (spec.capabilities === undefined) {
    if (spec.reservedCpus || spec.devices.length) {
      throw new VirtkitValidationError(component, [{ path: "capabilities", reason: "reservedCpus and devices need the host's capabilities XML (virsh capabilities)" }]);
    }
    return { name, spec, factsKey: "no facts" };
  }
  try {
    const { capabilities, devices } = spec;
    const model = run.sharedHostModel(capabilities, devices, () => buildHostModel(capabilities, devices));
    const factsKey = JSON.stringify({ model, reserved: spec.reservedCpus ?? [] });
    const ledger = new HostLedger(name, model, { reservedCpus: spec.reservedCpus, locked: run.lockedVmsOf(name), takeLockedShares: run.lock()?.takeLockedShares });
    return { name, spec, model, ledger, factsKey };
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
