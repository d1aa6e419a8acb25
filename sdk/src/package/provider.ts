import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { VirtkitValidationError } from "../errors";
import { HugepageMemory } from "../compute/hugepageMemory/HugepageMemory";
import { PinnedVm, type PinnedVmArgs } from "../compute/pinnedVm/PinnedVm";
import { LibvirtHost, type LibvirtHostArgs } from "../libvirtHost/LibvirtHost";
import { PciPassthrough, type PciPassthroughArgs } from "../network/pciPassthrough/PciPassthrough";
import { SriovNic, type SriovNicArgs } from "../network/sriovNic/SriovNic";
import { Qcow2Volume, type Qcow2VolumeArgs } from "../storage/qcow2Volume/Qcow2Volume";
import { StoragePool, type StoragePoolArgs } from "../storage/storagePool/StoragePool";
import { StorageSecret, type StorageSecretArgs } from "../storage/storageSecret/StorageSecret";
import { VirtualNetwork, type VirtualNetworkArgs } from "../network/virtualNetwork/VirtualNetwork";
import type { HugepageMemoryArgs } from "../compute/hugepageMemory/HugepageMemory";
import { PACKAGE } from "./packageSchema";
import { setProgramRunKey } from "../program/runContext";
import schema from "./schema.json";

/**
 * virtkit as a Pulumi component provider (plugin `pulumi-resource-virtkit`): the engine asks
 * it to construct `virtkit:index:*` components for a program in any language, and it builds
 * the very TypeScript components a Node program would, in this process. Components one
 * program declares meet here: a reference to a LibvirtHost (or a HugepageMemory, a
 * Qcow2Volume, a StoragePool, a VirtualNetwork, a StorageSecret, ...) arrives as its URN and is looked up among those this process built.
 */

type Component = LibvirtHost | HugepageMemory | PinnedVm | Qcow2Volume | SriovNic | PciPassthrough | VirtualNetwork | StoragePool | StorageSecret;

/** The components this process constructed, by URN. */
const built = new Map<string, Component>();

/**
 * What a reference to a component not built here becomes: a marker, reported as the
 * argument's error. Not a Resource: rehydrating one by URN would ask the engine for it.
 */
class ForeignComponent {
  constructor(readonly referencedUrn: string) {}
}

let registered = false;
/** Resource references to virtkit components deserialize to the live components. */
export function registerComponentModule(): void {
  if (registered) return;
  registered = true;
  pulumi.runtime.registerResourceModule(PACKAGE, "index", {
    version: schema.version,
    // the SDK hands on whatever this returns; a marker is no Resource, hence the cast
    construct: (_name: string, _type: string, urn: string): pulumi.Resource => built.get(urn) ?? (new ForeignComponent(urn) as unknown as pulumi.Resource),
  });
}

/** Internal parts of an Output the provider needs to unwrap construct inputs (Output's own, not in its public type). */
interface OutputInternals {
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  promise(): Promise<unknown>;
}

/**
 * The engine hands inputs with dependencies (a list of references, a value from another
 * resource) over as Outputs; virtkit places VMs while the program runs and needs plain
 * values. Known, non-secret Outputs are unwrapped; secrets stay Outputs (so they stay
 * secret), except objects with secret fields, unfolded so that those alone are.
 */
export async function plainInputs(type: string, inputs: pulumi.Inputs): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    if (!pulumi.Output.isInstance(value)) {
      out[key] = value;
      continue;
    }
    const o = value as unknown as OutputInternals;
    const [known, secret] = await Promise.all([o.isKnown, o.isSecret]);
    // the engine sends an object holding a secret as a secret object: secret fields (a LUKS
    // passphrase, a display password) become secrets of their own, the rest plain values
    if (!known) out[key] = value;
    else if (!secret) out[key] = await o.promise();
    else {
      const fields = secretFields(type, key);
      const v = fields.length ? await o.promise() : undefined;
      out[key] = v && typeof v === "object" && !Array.isArray(v) ? unfoldSecret(v as Record<string, unknown>, fields) : value;
    }
  }
  return out;
}

/** The secret properties of the object type an input of `type` has, per the package schema. */
function secretFields(type: string, key: string): string[] {
  const resources = schema.resources as Record<string, { inputProperties: Record<string, { $ref?: string }> }>;
  const types = schema.types as Record<string, { properties: Record<string, { secret?: boolean }> }>;
  const ref = resources[type]?.inputProperties[key]?.$ref;
  const props = ref?.startsWith("#/types/") ? types[ref.slice("#/types/".length)]?.properties : undefined;
  return props ? Object.entries(props).filter(([, p]) => p.secret).map(([k]) => k) : [];
}

function unfoldSecret(value: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fields.includes(k) && v !== undefined ? pulumi.secret(v) : v]));
}

/** A reference that reached this process without its component: say so as the argument's error. */
function checkReferences(type: string, name: string, args: Record<string, unknown>): void {
  const issues: { path: string; reason: string }[] = [];
  const visit = (v: unknown, path: string) => {
    if (v instanceof ForeignComponent) {
      issues.push({ path, reason: `${v.referencedUrn} was not constructed by this virtkit provider; virtkit components that refer to each other must be declared in one program` });
    } else if (Array.isArray(v)) v.forEach((e, i) => visit(e, `${path}[${i}]`));
    else if (v && typeof v === "object" && !pulumi.Resource.isInstance(v) && !pulumi.Output.isInstance(v)) {
      for (const [k, e] of Object.entries(v)) visit(e, `${path}.${k}`);
    }
  };
  for (const [k, v] of Object.entries(args)) visit(v, k);
  if (issues.length) throw new VirtkitValidationError(`${type.split(":").pop()} "${name}"`, issues);
}

/** Builds one component and says which outputs it returns. */
function build(type: string, name: string, args: Record<string, unknown>, opts: pulumi.ComponentResourceOptions): { component: Component; state: pulumi.Inputs } {
  switch (type.slice(`${PACKAGE}:index:`.length)) {
    case "LibvirtHost": {
      const c = new LibvirtHost(name, args as unknown as LibvirtHostArgs, opts);
      return { component: c, state: { uri: c.uriOutput, capacity: c.capacity } };
    }
    case "HugepageMemory": {
      const c = new HugepageMemory(name, args as unknown as HugepageMemoryArgs, opts);
      return { component: c, state: { sizeBytes: c.sizeBytes, pageSizeBytes: c.pageSizeBytes, pages: c.pages } };
    }
    case "Qcow2Volume": {
      const c = new Qcow2Volume(name, args as unknown as Qcow2VolumeArgs, opts);
      return { component: c, state: { path: c.path, volumeXml: c.volumeXml, ...(c.passphrase ? { passphrase: c.passphrase } : {}) } };
    }
    case "SriovNic":
      return { component: new SriovNic(name, args as unknown as SriovNicArgs, opts), state: {} };
    case "PciPassthrough":
      return { component: new PciPassthrough(name, args as unknown as PciPassthroughArgs, opts), state: {} };
    case "VirtualNetwork": {
      const c = new VirtualNetwork(name, args as unknown as VirtualNetworkArgs, opts);
      return { component: c, state: { networkName: c.networkName, networkXml: c.networkXml } };
    }
    case "StoragePool": {
      const c = new StoragePool(name, args as unknown as StoragePoolArgs, opts);
      return { component: c, state: { poolName: c.poolName, poolXml: c.poolXml, targetPath: c.targetPath } };
    }
    case "StorageSecret": {
      // its key arrives as a secret Output (plainInputs keeps secrets Outputs) and stays one
      const c = new StorageSecret(name, args as unknown as StorageSecretArgs, opts);
      return { component: c, state: { uuid: c.uuid, usage: c.usage } };
    }
    case "PinnedVm": {
      const c = new PinnedVm(name, args as unknown as PinnedVmArgs, opts);
      return { component: c, state: { domainXml: c.domainXml, placement: c.placement, uuid: c.uuid } };
    }
    default:
      throw new Error(`unknown resource type ${type}`);
  }
}

export class VirtkitProvider implements provider.Provider {
  readonly version: string = schema.version;
  readonly schema: string = JSON.stringify(schema);

  constructor() {
    registerComponentModule();
    // Each construct call gets fresh Pulumi runtime state, but the components of one program
    // are one run: hosts of one URI share a ledger, names are claimed once.
    const runs = new Map<string, object>();
    setProgramRunKey(() => {
      const id = `${pulumi.getProject()}/${pulumi.getStack()}/${pulumi.runtime.isDryRun()}`;
      let run = runs.get(id);
      if (!run) runs.set(id, (run = {}));
      return run;
    });
  }

  async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
    const args = await plainInputs(type, inputs);
    checkReferences(type, name, args);
    const { component, state } = build(type, name, args, options);
    const urn = await (component.urn as unknown as OutputInternals).promise() as string;
    built.set(urn, component);
    return { urn: component.urn, state };
  }
}
