/**
 * Reader of `sdks/libvirt/schema.json`, the attribute tree of the libvirt provider with the
 * Pulumi property names the binding uses. scripts/gen-libvirt-sdk writes it from what the
 * provider binary itself says (Pulumi's mapping of its Terraform schema, joined with the
 * Pulumi package schema); tests/e2e/bindingDrift.e2e.test.ts keeps the committed file so.
 *
 * Paths use Pulumi names, dots between properties and `[]` after a list or set to step
 * into its elements: `cpuTune.vcpuPins[].cpuSet`, `os.initArgs[]`.
 */
import * as fs from "fs";
import * as path from "path";

export type AttrKind = "string" | "number" | "boolean" | "object" | "list" | "map" | "set";
export type ElementKind = "string" | "number" | "boolean" | "object";

export interface Attr {
    /** The Terraform attribute name (snake_case, singular for lists). */
    tfName: string;
    kind: AttrKind;
    /** Element kind of a list, set or map. */
    element?: ElementKind;
    /** Required in the binding's args (an auto-named `name` is not). */
    required: boolean;
    /** Computed by the provider and neither optional nor required: never an input. */
    readOnly: boolean;
    /** A top-level `name` the bridge fills in when omitted. */
    autoNamed?: boolean;
    /** Marked Sensitive in the provider schema. */
    secret?: boolean;
    /** Children of an object, or of the elements of a list/set/map of objects. */
    properties?: Record<string, Attr>;
}

export type ResourceType =
    | "libvirt_domain"
    | "libvirt_volume"
    | "libvirt_pool"
    | "libvirt_network"
    | "libvirt_cloudinit_disk"
    | "libvirt_combustion"
    | "libvirt_ignition";

export interface ResourceSchema {
    token: string;
    /** Top-level properties a program may set. */
    inputs: Record<string, Attr>;
    /** Top-level read-only properties. */
    outputs: Record<string, Attr>;
}

export interface ProviderSchema {
    generatedBy: string;
    source: string;
    provider: { token: string; inputs: Record<string, Attr> };
    resources: Record<ResourceType, ResourceSchema>;
}

export const SCHEMA_FILE = path.resolve(__dirname, "..", "..", "sdks", "libvirt", "schema.json");

let cached: ProviderSchema | undefined;

/** The committed schema (read once). */
export function loadProviderSchema(): ProviderSchema {
    if (cached === undefined) {
        cached = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as ProviderSchema;
    }
    return cached;
}

export function resourceSchema(resource: ResourceType): ResourceSchema {
    const r = loadProviderSchema().resources[resource];
    if (r === undefined) {
        throw new Error(`schema.json has no resource ${resource}`);
    }
    return r;
}

const SEGMENT = /^([A-Za-z_$][A-Za-z0-9_$]*)((?:\[\])?)$/;

/**
 * The attribute at `path` (Pulumi names, `[]` for list elements), or undefined when the
 * path does not exist. Strict: stepping into a list's elements needs `[]`, and `[]`
 * on anything but a list or set is an error (undefined). A path ending in `[]` gives
 * the element: `{ kind: element, ... }`.
 */
export function attributeAt(resource: ResourceType, path: string): Attr | undefined {
    const r = resourceSchema(resource);
    const top: Record<string, Attr> = { ...r.inputs, ...r.outputs };
    return walk(top, path);
}

function walk(top: Record<string, Attr>, path: string): Attr | undefined {
    if (path === "") return undefined;
    let scope: Record<string, Attr> | undefined = top;
    let current: Attr | undefined;
    for (const segment of path.split(".")) {
        const m = SEGMENT.exec(segment);
        if (m === null || scope === undefined) return undefined;
        const [, name, brackets] = m;
        if (!Object.prototype.hasOwnProperty.call(scope, name)) return undefined;
        current = scope[name];
        if (brackets === "[]") {
            if ((current.kind !== "list" && current.kind !== "set") || current.element === undefined) {
                return undefined;
            }
            current = elementOf(current);
        }
        scope = current.kind === "object" ? current.properties ?? {} : undefined;
    }
    return current;
}

function elementOf(list: Attr): Attr {
    const element: Attr = {
        tfName: list.tfName,
        kind: list.element as ElementKind,
        required: false,
        readOnly: list.readOnly,
    };
    if (list.properties !== undefined) element.properties = list.properties;
    return element;
}

export type JsType =
    | "string"
    | "number"
    | "boolean"
    | "bigint"
    | "array"
    | "object"
    | "output"
    | "resource"
    | "function"
    | "symbol";

export interface LeafPath {
    path: string;
    jsType: JsType;
}

/**
 * The leaves of a plain args object as schema paths: objects are walked by key, arrays
 * by their elements (`[]`), `undefined` and `null` are skipped (Pulumi treats them as
 * absent). Empty arrays and objects are reported as leaves (`array`, `object`) so that
 * their path is checked too; Pulumi Outputs and Resources are leaves of their own kind.
 * Paths are unique and sorted.
 */
export function flattenPaths(value: unknown): LeafPath[] {
    const out = new Map<string, JsType>();
    const visit = (v: unknown, p: string): void => {
        if (v === undefined || v === null) return;
        if (Array.isArray(v)) {
            if (v.length === 0) {
                add(p, "array");
                return;
            }
            for (const e of v) visit(e, `${p}[]`);
            return;
        }
        const t = typeof v;
        if (t === "object") {
            const o = v as Record<string, unknown>;
            if (o.__pulumiOutput === true) return add(p, "output");
            if (o.__pulumiResource === true) return add(p, "resource");
            const proto = Object.getPrototypeOf(o);
            if (proto !== Object.prototype && proto !== null) return add(p, "object");
            const keys = Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null);
            if (keys.length === 0) return add(p, "object");
            for (const k of keys) visit(o[k], p === "" ? k : `${p}.${k}`);
            return;
        }
        add(p, t as JsType);
    };
    const add = (p: string, jsType: JsType): void => {
        if (p === "") throw new Error(`flattenPaths needs an object, got ${jsType}`);
        const seen = out.get(p);
        // The same path seen with two types (e.g. a list mixing strings and numbers).
        if (seen !== undefined && seen !== jsType) {
            throw new Error(`flattenPaths: ${p} holds both ${seen} and ${jsType}`);
        }
        out.set(p, jsType);
    };
    visit(value, "");
    return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([path, jsType]) => ({ path, jsType }));
}

/** Whether a JS leaf of type `jsType` fits attribute `attr`. Outputs fit anything. */
export function leafFits(attr: Attr, jsType: JsType): boolean {
    switch (jsType) {
        case "output":
            return true;
        case "string":
        case "number":
        case "boolean":
            return attr.kind === jsType;
        case "array":
            return attr.kind === "list" || attr.kind === "set";
        case "object":
            return attr.kind === "object" || attr.kind === "map";
        default:
            return false;
    }
}

/**
 * Every problem of an args object against a resource's schema: unknown paths, leaves of
 * the wrong type, read-only properties set, then required properties missing from an object
 * the args do pass (at the top, or inside a block they set). Empty when the args fit.
 */
export function schemaProblems(resource: ResourceType, args: unknown): string[] {
    const problems: string[] = [];
    for (const { path: p, jsType } of flattenPaths(args)) {
        const attr = attributeAt(resource, p);
        if (attr === undefined) {
            problems.push(`${resource}: ${p} is not in the schema`);
        } else if (!leafFits(attr, jsType)) {
            const want = attr.element !== undefined ? `${attr.kind} of ${attr.element}` : attr.kind;
            problems.push(`${resource}: ${p} is a ${jsType}, the schema says ${want}`);
        } else if (attr.readOnly) {
            problems.push(`${resource}: ${p} is read-only`);
        }
    }
    const missing = new Set<string>();
    const visit = (v: unknown, props: Record<string, Attr>, prefix: string): void => {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return;
        const o = v as Record<string, unknown>;
        // an Output or a Resource stands for a value the args do not show
        if (o.__pulumiOutput === true || o.__pulumiResource === true) return;
        const proto = Object.getPrototypeOf(o);
        if (proto !== Object.prototype && proto !== null) return;
        for (const [name, attr] of Object.entries(props)) {
            if (attr.required && (o[name] === undefined || o[name] === null)) missing.add(`${resource}: ${prefix}${name} is required and missing`);
        }
        for (const [name, value] of Object.entries(o)) {
            const attr = Object.prototype.hasOwnProperty.call(props, name) ? props[name] : undefined;
            if (attr?.properties === undefined || value === undefined || value === null) continue;
            if ((attr.kind === "list" || attr.kind === "set") && Array.isArray(value)) {
                for (const e of value) visit(e, attr.properties, `${prefix}${name}[].`);
            } else if (attr.kind === "object") {
                visit(value, attr.properties, `${prefix}${name}.`);
            }
        }
    };
    visit(args, resourceSchema(resource).inputs, "");
    return [...problems, ...[...missing].sort()];
}
