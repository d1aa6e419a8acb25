import { z } from "zod";
import { VmSpecObject } from "../schema/vm";
import { COMPONENTS } from "../components";
import { componentType, PACKAGE, type ArgMeta, type ComponentContract, type OutputSpec, type VariantArgs } from "../program/componentContract";

/**
 * virtkit's Pulumi package schema, generated from the components' zod argument schemas, so
 * a program in any language Pulumi supports (Pulumi YAML first) declares the same arguments
 * the TypeScript components take. `npm run schema` writes it to schema.json; a test keeps
 * that file current. Validation stays virtkit's own: the schema gives shapes (what a
 * language checks or generates types from), the component gives VirtkitValidationError.
 */

export { PACKAGE };
const MODULE = `${PACKAGE}:index`;

/** A Pulumi schema type reference (the subset virtkit uses). */
export interface TypeSpec {
  type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
  items?: TypeSpec;
  additionalProperties?: TypeSpec;
  $ref?: string;
  oneOf?: TypeSpec[];
}
export interface PropertySpec extends TypeSpec {
  description?: string;
  secret?: boolean;
}
export interface ObjectTypeSpec {
  type: "object";
  properties: Record<string, PropertySpec>;
  required?: string[];
}
export interface ResourceSpec {
  isComponent: true;
  description: string;
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  properties: Record<string, PropertySpec>;
  required: string[];
}
export interface PackageSchema {
  name: string;
  displayName: string;
  version?: string;
  description: string;
  license: string;
  keywords: string[];
  types: Record<string, ObjectTypeSpec>;
  resources: Record<string, ResourceSpec>;
  language: Record<string, unknown>;
}

type Json = { [k: string]: unknown } & ArgMeta & { virtkitName?: string; description?: string };
const ANY: TypeSpec = { $ref: "pulumi.json#/Any" };
export const resourceRef = (component: string): TypeSpec => ({ $ref: `#/resources/${MODULE}:${component}` });
const pascal = (s: string) => s.replace(/(^|[-_ ])([a-z0-9])/gi, (_, _sep, c: string) => c.toUpperCase());

/**
 * Turns zod's JSON Schema (input side) into Pulumi type specs. Objects become named types
 * (`virtkit:index:<Component><Path>`) collected in `types`; enums and patterns are left to
 * virtkit's own validation (a Pulumi schema has no inline enums); what zod cannot describe
 * (a value that may be a Pulumi Input or a component) is `Any`.
 */
export class Converter {
  readonly types: Record<string, ObjectTypeSpec> = {};

  fromZod(schema: z.ZodType, name: string): TypeSpec {
    return this.convert(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json, name);
  }

  /** Properties of a zod object, each converted. */
  properties(shape: Record<string, z.ZodType>, name: string): Record<string, PropertySpec> {
    const out: Record<string, PropertySpec> = {};
    for (const [key, field] of Object.entries(shape)) out[key] = this.fromZod(field, `${name}${pascal(key)}`);
    return out;
  }

  /**
   * A discriminated union's variants as one set of properties (a component's inputs are one
   * object): each key once, the discriminator naming the variant; which keys go with which
   * variant is virtkit's own check.
   */
  unionProperties(union: z.ZodDiscriminatedUnion<z.ZodObject[]>, name: string, omit: string[] = []): Record<string, PropertySpec> {
    const out: Record<string, PropertySpec> = {};
    for (const variant of union.options) {
      const shape = Object.fromEntries(Object.entries(variant.shape).filter(([k]) => !omit.includes(k) && !(k in out)));
      Object.assign(out, this.properties(shape as Record<string, z.ZodType>, name));
    }
    const key = union._zod.def.discriminator;
    const values = union.options.map((v) => (v.shape[key] as z.ZodLiteral<string>).value);
    out[key] = { type: "string", description: `${values.slice(0, -1).join(", ")} or ${values.at(-1)}.` };
    return out;
  }

  /** Replaces a property of a named type already converted (a spec field that may also be a component). */
  widen(type: string, key: string, widen: (converted: PropertySpec) => TypeSpec): void {
    const t = this.types[`${MODULE}:${type}`];
    if (!t?.properties[key]) throw new Error(`package schema: no ${type}.${key} to widen`);
    t.properties[key] = widen(t.properties[key]);
  }

  /** A named object type of the package, by reference. */
  object(name: string, properties: Record<string, PropertySpec>, required: string[] = []): TypeSpec {
    const token = `${MODULE}:${name}`;
    this.types[token] = { type: "object", properties, ...(required.length ? { required } : {}) };
    return { $ref: `#/types/${token}` };
  }

  convert(js: Json, name: string): PropertySpec {
    const spec = this.convertType(js, name);
    const described = js.description ? { ...spec, description: js.description } : spec;
    return js.virtkitSecret ? { ...described, secret: true } : described;
  }

  private convertType(js: Json, name: string): TypeSpec {
    if (js.virtkitComponent) return resourceRef(js.virtkitComponent);
    const all = (js.anyOf ?? js.oneOf) as Json[] | undefined;
    if (all) {
      // other languages pass a plain value where TypeScript may pass an Output; a component
      // reference is no type of its own, so the one plain variant keeps the union's name
      const variants = all.filter((v) => !v.virtkitLater);
      const plain = variants.filter((v) => !v.virtkitComponent);
      return this.union(variants.map((v, i) => this.convert(v, plain.length === 1 && !v.virtkitName ? name : `${name}${variantName(v, i)}`)));
    }
    const type = js.type;
    if (Array.isArray(type)) return this.union(type.map((t) => this.convert({ ...js, type: t }, name)));
    switch (type) {
      case "string":
      case "boolean":
      case "number":
        return { type };
      case "integer":
        return { type: "integer" };
      case "array":
        return { type: "array", items: js.items ? this.convert(js.items as Json, singular(name)) : ANY };
      case "object": {
        const props = js.properties as Record<string, Json> | undefined;
        if (!props) return { type: "object", additionalProperties: js.additionalProperties ? this.convert(js.additionalProperties as Json, name) : ANY };
        const properties: Record<string, PropertySpec> = {};
        for (const [key, p] of Object.entries(props)) properties[key] = this.convert(p, `${name}${pascal(key)}`);
        return this.object(name, properties, Array.isArray(js.required) ? (js.required as string[]) : []);
      }
      default:
        return ANY;
    }
  }

  union(specs: TypeSpec[]): TypeSpec {
    if (specs.some((s) => s === ANY || s.$ref === ANY.$ref)) return ANY;
    // a union inside a union is one union (a NIC is a component or one of the spec's NIC types)
    const flat = specs.flatMap((s) => (s.oneOf && Object.keys(s).length === 1 ? s.oneOf : [s]));
    return flat.length === 1 ? flat[0] : { oneOf: flat };
  }
}

/** The name of a list's item type: `Disks` → `Disk`, `ExpanderBuses` → `ExpanderBus`. */
const singular = (name: string) => (name.endsWith("uses") ? name.slice(0, -2) : name.replace(/s$/, ""));

/** A union variant's name: as its schema names it, else its `type` constant (NICs), else its required keys, else its index. */
function variantName(v: Json, i: number): string {
  if (v.virtkitName) return v.virtkitName;
  const props = v.properties as Record<string, Json> | undefined;
  const discriminator = props?.type?.const;
  if (typeof discriminator === "string") return pascal(discriminator);
  const required = v.required as string[] | undefined;
  if (required?.length) return required.map(pascal).join("");
  return v.type === "object" ? `Variant${i}` : "";
}

/** PinnedVm's arguments that are plain spec fields (the rest are references or options). */
export const PINNED_VM_SPEC_FIELDS = VmSpecObject.omit({ name: true, memory: true, disks: true, nics: true, hostdevs: true, expanderBuses: true, graphics: true });

/** A component's inputs as Pulumi properties, with those a program must give. */
function inputsOf(c: Converter, contract: ComponentContract): { inputs: Record<string, PropertySpec>; required: string[] } {
  const { kind, args } = contract;
  if (args instanceof z.ZodObject) return { inputs: c.properties(args.shape as Record<string, z.ZodType>, kind), required: requiredKeys(args) };
  const { variants, shared } = args as VariantArgs;
  const inputs = { ...c.unionProperties(variants as z.ZodDiscriminatedUnion<z.ZodObject[]>, kind, Object.keys(shared.shape)), ...c.properties(shared.shape as Record<string, z.ZodType>, kind) };
  return { inputs, required: [...requiredKeys(shared), variants._zod.def.discriminator] };
}

/** Keys a program must give: those neither optional nor defaulted. */
function requiredKeys(object: z.ZodObject): string[] {
  return Object.entries(object.shape as Record<string, z.ZodType>)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([key]) => key);
}

function outputProperty(spec: OutputSpec): PropertySpec {
  const { type, description, secret } = spec;
  return { ...(type ? { type } : ANY), ...(description ? { description } : {}), ...(secret ? { secret } : {}) };
}

/** The whole package schema; `version` is the plugin's (package.json's). */
export function packageSchema(version?: string): PackageSchema {
  const c = new Converter();
  const resources: Record<string, ResourceSpec> = {};
  for (const { contract } of COMPONENTS) {
    const { inputs, required } = inputsOf(c, contract as ComponentContract);
    resources[componentType(contract.kind)] = {
      isComponent: true,
      description: contract.description,
      inputProperties: sortKeys(inputs),
      requiredInputs: required,
      properties: Object.fromEntries(Object.entries(contract.outputs).map(([k, o]) => [k, outputProperty(o as OutputSpec)])),
      required: [],
    };
  }
  return {
    name: PACKAGE,
    displayName: "virtkit",
    ...(version ? { version } : {}),
    description: "Typed KVM/QEMU virtual-machine topologies as code: Pulumi components over the libvirt provider.",
    license: "Apache-2.0",
    keywords: ["libvirt", "kvm", "qemu", "kind/component"],
    types: sortKeys(c.types),
    resources,
    language: { nodejs: { packageName: "virtkit" } },
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
