import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { VirtkitValidationError } from "../errors";
import { COMPONENTS } from "../components";
import { componentType, outputsOf } from "../program/componentContract";
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

type Component = pulumi.ComponentResource;

/** The component table by type token. */
const byType = new Map(COMPONENTS.map((c) => [componentType(c.contract.kind), c]));

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

/** Builds one component and says which outputs it returns (its contract's, those it has). */
function build(type: string, name: string, args: Record<string, unknown>, opts: pulumi.ComponentResourceOptions): { component: Component; state: pulumi.Inputs } {
  const entry = byType.get(type as ReturnType<typeof componentType>);
  if (!entry) throw new Error(`unknown resource type ${type}`);
  // the engine's arguments are the contract's, checked by the component itself
  const component = entry.construct(name, args as never, opts);
  return { component, state: outputsOf(entry.contract, component as never) };
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
