import { z } from "zod";
import { isLater } from "./inputs";
import type * as pulumi from "@pulumi/pulumi";

/**
 * What a virtkit component is to the outside: its kind, the one zod schema of everything it
 * takes (other components included), and its outputs. Each component writes this once, in its
 * folder's `args.ts`; the TypeScript argument type (`z.input` of the schema), the package
 * schema other languages read and the component provider all derive from it.
 */

/** The package's components, in the order the package schema lists them. */
export const COMPONENT_KINDS = ["LibvirtHost", "HugepageMemory", "Qcow2Volume", "SriovNic", "PciPassthrough", "PinnedVm", "VirtualNetwork", "StoragePool", "StorageSecret"] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export const PACKAGE = "virtkit";
export type ComponentType = `virtkit:index:${ComponentKind}`;
export const componentType = (kind: ComponentKind): ComponentType => `${PACKAGE}:index:${kind}`;

/** A component of the program: its kind and name. Text is made of it only where it is printed. */
export interface ComponentId {
  readonly kind: ComponentKind;
  readonly name: string;
}
export const componentId = (kind: ComponentKind, name: string): ComponentId => Object.freeze({ kind, name });
/** How messages name a component: `PinnedVm "db"`. */
export const describeComponent = (id: ComponentId): string => `${id.kind} "${id.name}"`;

/**
 * zod metadata virtkit reads when it describes arguments to other languages: a reference to
 * another component, a value the engine keeps secret, a variant that stands for "an Output or
 * a promise of the same" (a Pulumi Input), which other languages pass as the plain type.
 */
export interface ArgMeta {
  virtkitComponent?: ComponentKind;
  virtkitSecret?: true;
  virtkitLater?: true;
}

/** An argument that is another virtkit component (a LibvirtHost, a Qcow2Volume...). */
export function componentRef<T>(kind: ComponentKind, isInstance: (v: unknown) => boolean, error = `expected a ${kind}`) {
  return z.custom<T>(isInstance, { error }).meta({ virtkitComponent: kind } satisfies ArgMeta);
}

/** The host argument every component but LibvirtHost and HugepageMemory takes. */
export function hostRef<T>(isInstance: (v: unknown) => boolean) {
  return componentRef<T>("LibvirtHost", isInstance).describe("The LibvirtHost this is on.");
}

/** An argument that may also arrive later: a Pulumi Input of what `schema` takes. */
export function laterOr<S extends z.ZodType>(schema: S) {
  const later = z.custom<pulumi.Output<z.input<S>> | Promise<z.input<S>>>((v) => isLater(v)).meta({ virtkitLater: true } satisfies ArgMeta);
  return z.union([later, schema]);
}

/** An argument the engine keeps secret (a passphrase, a key). */
export function secretArg<S extends z.ZodType>(schema: S): S {
  return schema.meta({ virtkitSecret: true } satisfies ArgMeta) as S;
}

/** One output of a component, as the package schema lists it; no `type` is any value. */
export interface OutputSpec<C = unknown> {
  readonly type?: "string" | "number" | "integer" | "boolean";
  readonly description?: string;
  readonly secret?: boolean;
  /** The component's field that holds it, when not the output's own name. */
  readonly field?: keyof C & string;
}

/**
 * Arguments that are one of several variants (a network's modes, a pool's types) plus fields
 * every variant shares (the host, the libvirt name): other languages see one object, the
 * discriminator naming the variant.
 */
export interface VariantArgs<U extends z.ZodDiscriminatedUnion = z.ZodDiscriminatedUnion, S extends z.ZodObject = z.ZodObject> {
  readonly variants: U;
  readonly shared: S;
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What a program gives for VariantArgs: one variant, with the shared fields in place of the variant's own. */
export type VariantArgsInput<A extends VariantArgs> = DistributiveOmit<z.input<A["variants"]>, keyof z.input<A["shared"]>> & z.input<A["shared"]>;

/**
 * A component's contract. `outputs` names the component's public Output fields; the component
 * registers exactly these, and the component provider returns them.
 */
export interface ComponentContract<Args extends z.ZodObject | VariantArgs = z.ZodObject | VariantArgs, C = unknown> {
  readonly kind: ComponentKind;
  readonly description: string;
  readonly args: Args;
  readonly outputs: Readonly<Record<string, OutputSpec<C>>>;
}

/** The values of a contract's outputs on a built component (those it has), for `registerOutputs` and the component provider. */
export function outputsOf<C extends object>(contract: ComponentContract<z.ZodObject | VariantArgs, C>, component: C): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(contract.outputs)) {
    const value = (component as Record<string, unknown>)[spec.field ?? key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
