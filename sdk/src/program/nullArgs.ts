import { z } from "zod";
import { joinPath, VirtkitValidationError, type ValidationIssue } from "../errors";
import { isLater } from "./inputs";
import type { ArgMeta, ComponentContract } from "./componentContract";

/**
 * `null` is not "absent". TypeScript's `?:` takes `undefined` only, and no virtkit argument
 * accepts `null`; yet a JavaScript program (or one built from JSON) may write `cpu: null`, and
 * code written for `a.cpu === undefined` or `a.cpu ?? {}` then crashes or takes the default as
 * if nothing were said. Every component refuses a null anywhere in its plain arguments first,
 * from its contract's schema, so a new field is covered without a word more.
 */

type Segment = string | number;
type Schema = z.core.$ZodType;
const defOf = (s: Schema) => s._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;

/** The schema under the wrappers that do not change what a value must be. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (["optional", "default", "prefault", "readonly", "catch", "nonoptional"].includes(d.type)) s = d.innerType as Schema;
    else if (d.type === "pipe") s = d.in as Schema;
    else if (d.type === "lazy") s = (d.getter as () => Schema)();
    else return s;
  }
  return s;
}

/** The object and list schemas a value may be judged by (the options of a union, flattened). */
function alternatives(schema: Schema): Schema[] {
  const s = unwrap(schema);
  const d = defOf(s);
  if (d.type === "union") return (d.options as Schema[]).flatMap(alternatives);
  if (d.type === "intersection") return [...alternatives(d.left as Schema), ...alternatives(d.right as Schema)];
  return [s];
}

/** What a field takes, as a message says it: "an object", "a list", "a HugepageMemory or an object". */
export function expectedOf(schemas: readonly Schema[]): string {
  const words = new Set<string>();
  for (const s of schemas.flatMap(alternatives)) {
    const d = defOf(s);
    const kind = (z.globalRegistry.get(s as z.ZodType) as ArgMeta | undefined)?.virtkitComponent;
    if (kind) words.add(`a ${kind}`);
    else if ((z.globalRegistry.get(s as z.ZodType) as ArgMeta | undefined)?.virtkitLater) continue;
    else if (d.type === "object" || d.type === "record") words.add("an object");
    else if (d.type === "array" || d.type === "tuple") words.add("a list");
    else if (d.type === "string" || d.type === "template_literal") words.add("a string");
    else if (d.type === "number" || d.type === "int" || d.type === "bigint") words.add("a number");
    else if (d.type === "boolean") words.add("true or false");
    else if (d.type === "enum") words.add(`one of ${Object.values(d.entries as Record<string, string>).map((v) => JSON.stringify(v)).join(", ")}`);
    else if (d.type === "literal") words.add((d.values as unknown[]).map((v) => JSON.stringify(v)).join(" or "));
    else words.add("a value");
  }
  return [...words].join(" or ") || "a value";
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v) || isLater(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** The schemas a field of an object may be judged by, among the object alternatives of `schemas`. */
function fieldSchemas(schemas: readonly Schema[], key: string): Schema[] {
  return schemas.flatMap(alternatives).flatMap((s) => {
    const d = defOf(s);
    if (d.type === "object") {
      const field = (d.shape as Record<string, Schema>)[key];
      return field && Object.prototype.hasOwnProperty.call(d.shape, key) ? [field] : [];
    }
    return d.type === "record" ? [d.valueType as Schema] : [];
  });
}

/** The schemas of a list's items, among the list alternatives of `schemas`. */
function itemSchemas(schemas: readonly Schema[]): Schema[] {
  return schemas.flatMap(alternatives).flatMap((s) => (defOf(s).type === "array" ? [defOf(s).element as Schema] : []));
}

/**
 * Every null in `value` (plain objects and lists; components and Outputs are not entered),
 * each with what its field takes. A field no schema knows is judged later, by the schema.
 */
export function nullIssues(schemas: readonly Schema[], value: unknown, path: Segment[] = []): ValidationIssue[] {
  if (value === null) {
    const accepts = schemas.some((s) => (s as z.ZodType).safeParse(null).success);
    return accepts ? [] : [{ path: joinPath(path), reason: `expected ${expectedOf(schemas)}, got null (null is not absent: leave the field out for its default)` }];
  }
  if (Array.isArray(value)) {
    const items = itemSchemas(schemas);
    return items.length ? value.flatMap((v, i) => nullIssues(items, v, [...path, i])) : [];
  }
  if (!isPlainObject(value)) return [];
  return Object.keys(value).flatMap((key) => {
    const fields = fieldSchemas(schemas, key);
    return fields.length ? nullIssues(fields, value[key], [...path, key]) : [];
  });
}

/** A contract's argument schemas: its object, or its shared fields and its variants. */
export function argSchemas(contract: Pick<ComponentContract, "args">): Schema[] {
  const args = contract.args;
  return args instanceof z.ZodType ? [args] : [args.shared, args.variants];
}

/** Refuses a null anywhere in a component's arguments, naming each field and what it takes. Before anything else is checked. */
export function refuseNulls(contract: Pick<ComponentContract, "args">, component: string, args: unknown): void {
  const issues = nullIssues(argSchemas(contract), args);
  if (issues.length) throw new VirtkitValidationError(component, issues);
}

/**
 * The paths of a contract's optional fields that take an object (alone or among other
 * choices), nested ones included, a list's item as `[0]`: where a program may write `null`
 * for "nothing". The tests walk them all, so a new field is covered without a word more.
 */
export function optionalObjectFields(schemas: readonly Schema[], depth = 4, objectsOnly = true): Segment[][] {
  if (depth === 0) return [];
  const out: Segment[][] = [];
  const seen = new Set<string>();
  for (const s of schemas.flatMap(alternatives)) {
    const d = defOf(s);
    if (d.type === "array") {
      out.push(...optionalObjectFields([d.element as Schema], depth - 1, objectsOnly).map((p) => [0, ...p]));
      continue;
    }
    if (d.type !== "object") continue;
    for (const [key, field] of Object.entries(d.shape as Record<string, Schema>)) {
      const optional = (field as z.ZodType).safeParse(undefined).success;
      const takesObject = !objectsOnly || alternatives(field).some((a) => defOf(a).type === "object");
      if (optional && takesObject && !seen.has(key)) out.push([key]);
      seen.add(key);
      out.push(...optionalObjectFields([field], depth - 1, objectsOnly).map((p) => [key, ...p]));
    }
  }
  const unique = new Map(out.map((p) => [joinPath(p), p]));
  return [...unique.values()];
}
