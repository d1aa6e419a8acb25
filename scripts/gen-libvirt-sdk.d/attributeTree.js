#!/usr/bin/env node
// The attribute tree of sdks/libvirt/schema.json (read by tests/support/providerSchema.ts),
// joined from what Pulumi's own tools say of the provider:
//
//   mapping.json  `pulumi package get-mapping terraform terraform-provider libvirt <provider> <version>`:
//                 the Terraform attribute tree (type codes, optional/required/computed/sensitive)
//                 and the bridge's per-resource overrides (`resources.<tf>.fields`, e.g. id -> domainId)
//   schema.json   `pulumi package get-schema terraform-provider <provider> <version>`: the Pulumi
//                 package schema, whose property names at each level are the binding's
//
// At every level each Terraform attribute is paired with one Pulumi property, and each Pulumi
// property with one Terraform attribute (a bijection), by the bridge's rules: an override's
// name; else the camelCase of the Terraform name (`io_thread_i_ds` -> `ioThreadIDs`); else, for
// a list or set, its plural (`vcpu_pin` -> `vcpuPins`; the bridge pluralises lists unless the
// plural is taken). Types, required and secret are checked against the Pulumi side too. Any
// pairing that fails, or anything unknown, throws with the path: nothing is guessed.
//
// Usage: node scripts/gen-libvirt-sdk.d/attributeTree.js MAPPING_JSON SCHEMA_JSON > schema.json
// (scripts/gen-libvirt-sdk runs it; the join is unit-tested in tests/provider/attributeTree.test.ts)
// Output: JSON with keys sorted at every level, two-space indent, trailing newline.
"use strict";

const fs = require("fs");

const GENERATED_BY = "scripts/gen-libvirt-sdk";

// Terraform type codes in the bridge's mapping (shim.ValueType).
const TF_BOOL = 1;
const TF_INT = 2;
const TF_FLOAT = 3;
const TF_STRING = 4;
const TF_LIST = 5;
const TF_MAP = 6; // with element.resource (or an empty element): a single nested object
const TF_SET = 7;

const SCALAR = { [TF_BOOL]: "boolean", [TF_INT]: "number", [TF_FLOAT]: "number", [TF_STRING]: "string" };
const PULUMI_SCALAR = { boolean: ["boolean"], number: ["number", "integer"], string: ["string"] };

// Keys of a bridge field override (tfbridge.SchemaInfo) this join understands; any other fails.
const FIELD_KEYS = new Set(["name", "typeomitempty", "default", "fields", "elem"]);

class JoinError extends Error {}

function fail(where, message) {
    throw new JoinError(`${where}: ${message}`);
}

/** The bridge's camelCase of a Terraform name: every `_x` becomes `X`. */
function camelCase(tfName) {
    return tfName.replace(/_(.)/g, (_, c) => c.toUpperCase());
}

/** Whether `plural` is an English plural of `word` (the forms the bridge's inflector makes of attribute names). */
function isPluralOf(plural, word) {
    if (plural === word) return false;
    const forms = [word + "s", word + "es"];
    if (/[^aeiou]y$/.test(word)) forms.push(word.slice(0, -1) + "ies");
    if (/f$/.test(word)) forms.push(word.slice(0, -1) + "ves");
    if (/fe$/.test(word)) forms.push(word.slice(0, -2) + "ves");
    if (/(?:x|ch|ss|sh|z)$/.test(word)) forms.push(word + "es");
    return forms.includes(plural);
}

function typeOf(schema, ref, where) {
    const m = /^#\/types\/(.+)$/.exec(ref);
    if (!m) fail(where, `unexpected $ref ${ref}`);
    const type = schema.types[decodeURIComponent(m[1])];
    if (type === undefined) fail(where, `$ref ${ref} names no type in the Pulumi schema`);
    if (type.type !== "object") fail(where, `$ref ${ref} is a ${type.type}, not an object type`);
    return type;
}

/**
 * The Pulumi side of one property: its kind, element kind, and for objects the type whose
 * properties are the next level.
 */
function pulumiShape(schema, prop, where) {
    if (prop.$ref !== undefined) return { kind: "object", type: typeOf(schema, prop.$ref, where) };
    switch (prop.type) {
        case "boolean":
        case "number":
        case "integer":
        case "string":
            return { kind: prop.type === "integer" ? "number" : prop.type, pulumiType: prop.type };
        case "array": {
            const items = prop.items ?? fail(where, "an array without items");
            if (items.$ref !== undefined) return { kind: "array", element: "object", type: typeOf(schema, items.$ref, where) };
            if (PULUMI_SCALAR[items.type === "integer" ? "number" : items.type] === undefined) fail(where, `array of ${JSON.stringify(items)}`);
            return { kind: "array", element: items.type === "integer" ? "number" : items.type };
        }
        case "object": {
            const values = prop.additionalProperties ?? fail(where, "an object property without $ref or additionalProperties");
            if (values.$ref !== undefined) return { kind: "map", element: "object", type: typeOf(schema, values.$ref, where) };
            return { kind: "map", element: values.type === "integer" ? "number" : values.type };
        }
        default:
            return fail(where, `unsupported Pulumi property ${JSON.stringify(prop)}`);
    }
}

/** The Terraform side of one attribute: its kind, element kind, and for blocks the next level. */
function terraformShape(attr, where) {
    if (SCALAR[attr.type] !== undefined) {
        if (attr.element !== undefined) fail(where, `scalar type ${attr.type} with an element`);
        return { kind: SCALAR[attr.type] };
    }
    const el = attr.element ?? fail(where, `type ${attr.type} without an element`);
    const block = el.resource !== undefined ? el.resource : Object.keys(el).length === 0 ? {} : undefined;
    const scalar = el.schema !== undefined ? SCALAR[el.schema.type] ?? fail(where, `element type ${el.schema.type}`) : undefined;
    if (block === undefined && scalar === undefined) fail(where, `element ${JSON.stringify(el)}`);
    switch (attr.type) {
        case TF_LIST:
        case TF_SET: {
            const kind = attr.type === TF_LIST ? "list" : "set";
            return block !== undefined ? { kind, element: "object", block } : { kind, element: scalar };
        }
        case TF_MAP:
            // the bridge's shim says "map of a resource" for a single nested object
            return block !== undefined ? { kind: "object", block } : { kind: "map", element: scalar };
        default:
            return fail(where, `unsupported Terraform type ${attr.type}`);
    }
}

/**
 * Pairs the Terraform attributes of one level with the Pulumi properties of the same level.
 * `overrides` are the bridge's field overrides for this level; `skip` Terraform names that
 * have no property (a resource's `id`, which becomes the Pulumi id). Returns [tfName, pulumiName] pairs.
 */
function pairLevel(tfAttrs, pulumiNames, overrides, skip, where) {
    const pairs = new Map(); // tfName -> pulumiName
    const taken = new Map(); // pulumiName -> tfName
    const left = new Set(pulumiNames);
    const pair = (tf, name, how) => {
        if (taken.has(name)) fail(where, `${tf} and ${taken.get(name)} both pair with ${name} (${how})`);
        pairs.set(tf, name);
        taken.set(name, tf);
        left.delete(name);
    };
    const tfNames = Object.keys(tfAttrs).sort();
    for (const tf of tfNames) {
        const o = overrides[tf];
        if (o === undefined || o.name === undefined) continue;
        if (!left.has(o.name)) fail(where, `the mapping renames ${tf} to ${o.name}, which the Pulumi schema does not have here`);
        pair(tf, o.name, "override");
    }
    for (const tf of tfNames) {
        if (pairs.has(tf) || skip.has(tf)) continue;
        const name = camelCase(tf);
        if (left.has(name)) pair(tf, name, "camelCase");
    }
    for (const tf of tfNames) {
        if (pairs.has(tf) || skip.has(tf)) continue;
        const type = tfAttrs[tf].type;
        if (type !== TF_LIST && type !== TF_SET) continue;
        const candidates = [...left].filter((p) => isPluralOf(p, camelCase(tf)));
        if (candidates.length > 1) fail(where, `${tf} could be any of ${candidates.join(", ")}`);
        if (candidates.length === 1) pair(tf, candidates[0], "plural");
    }
    const unpaired = tfNames.filter((tf) => !pairs.has(tf) && !skip.has(tf));
    if (unpaired.length > 0 || left.size > 0) {
        fail(
            where,
            `the join is not a bijection: Terraform attributes without a Pulumi property: [${unpaired.join(", ")}]; ` +
                `Pulumi properties without a Terraform attribute: [${[...left].sort().join(", ")}]`,
        );
    }
    return pairs;
}

function checkOverrideKeys(overrides, where) {
    for (const [tf, o] of Object.entries(overrides)) {
        for (const k of Object.keys(o)) {
            if (!FIELD_KEYS.has(k)) fail(`${where}${tf}`, `the mapping's field override has "${k}", which this join does not model`);
        }
        if (o.elem !== undefined) {
            for (const k of Object.keys(o.elem)) {
                if (k !== "fields") fail(`${where}${tf}`, `the mapping's element override has "${k}", which this join does not model`);
            }
        }
    }
}

/**
 * One level of the tree: Terraform attributes `tfAttrs` against the Pulumi properties
 * `props` (name -> property spec) of object type `requiredNames` (the Pulumi side's required
 * list, checked against Terraform's), with the bridge's `overrides` for this level.
 */
function level(schema, tfAttrs, props, requiredNames, overrides, where, opts = {}) {
    checkOverrideKeys(overrides, where);
    const skip = opts.skip ?? new Set();
    const pairs = pairLevel(tfAttrs, Object.keys(props), overrides, skip, where);
    const out = {};
    for (const [tf, name] of pairs) {
        const here = `${where}${tf}`;
        const attr = tfAttrs[tf];
        const o = overrides[tf] ?? {};
        const t = terraformShape(attr, here);
        const p = pulumiShape(schema, props[name], `${here} (${name})`);
        const pulumiKind = t.kind === "list" || t.kind === "set" ? "array" : t.kind === "object" ? "object" : t.kind === "map" ? "map" : t.kind;
        if (pulumiKind !== p.kind || (t.element ?? null) !== (p.element ?? null)) {
            fail(here, `Terraform says ${t.kind}${t.element ? ` of ${t.element}` : ""}, Pulumi's ${name} is ${p.kind}${p.element ? ` of ${p.element}` : ""}`);
        }
        const autoNamed = opts.top === true && o.default !== undefined && o.default.autonamed === true;
        const required = attr.required === true && !autoNamed;
        const readOnly = attr.computed === true && attr.optional !== true && attr.required !== true;
        const secret = attr.sensitive === true;
        if (secret !== (props[name].secret === true)) fail(here, `sensitive in Terraform: ${secret}, secret in Pulumi: ${props[name].secret === true}`);
        const a = { tfName: tf, kind: t.kind };
        if (t.element !== undefined) a.element = t.element;
        a.required = required;
        a.readOnly = readOnly;
        if (autoNamed) a.autoNamed = true;
        if (secret) a.secret = true;
        if (t.block !== undefined) {
            const nested = o.fields ?? (o.elem !== undefined ? o.elem.fields : undefined) ?? {};
            const children = level(schema, t.block, p.type.properties ?? {}, p.type.required ?? [], nested, `${here}.`);
            if (Object.keys(children).length > 0) a.properties = children;
        }
        out[name] = a;
    }
    if (requiredNames !== undefined) {
        const ours = Object.keys(out).filter((n) => out[n].required).sort();
        const theirs = [...requiredNames].sort();
        if (ours.join() !== theirs.join()) fail(where || "(top)", `required in Terraform: [${ours.join(", ")}], in Pulumi: [${theirs.join(", ")}]`);
    }
    return out;
}

function sortKeys(v) {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === "object") {
        const o = {};
        for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]);
        return o;
    }
    return v;
}

/** The whole tree: the provider's configuration and every resource (data sources are not virtkit's). */
function attributeTree(mapping, schema) {
    const tf = mapping.provider ?? fail("mapping", "no provider");
    const resources = {};
    const tfResources = Object.keys(tf.resources).sort();
    const tokens = Object.keys(schema.resources).sort();
    const mapped = Object.keys(mapping.resources ?? {}).sort();
    if (tfResources.join() !== mapped.join()) fail("mapping", `resources [${tfResources.join(", ")}] but tokens for [${mapped.join(", ")}]`);
    const used = new Set();
    for (const r of tfResources) {
        const info = mapping.resources[r];
        const token = info.tok ?? fail(r, "no token in the mapping");
        const res = schema.resources[token] ?? fail(r, `the Pulumi schema has no resource ${token}`);
        used.add(token);
        const props = { ...res.properties, ...res.inputProperties };
        const overrides = info.fields ?? {};
        // a resource's own `id` is the Pulumi id unless the bridge renames it (a non-string id)
        const skip = new Set(overrides.id === undefined ? ["id"] : []);
        const attrs = level(schema, tf.resources[r], props, res.requiredInputs ?? [], overrides, `${r}.`, { top: true, skip });
        const inputs = {};
        const outputs = {};
        for (const [name, a] of Object.entries(attrs)) {
            const isInput = Object.prototype.hasOwnProperty.call(res.inputProperties ?? {}, name);
            if (isInput === a.readOnly) fail(`${r}.${a.tfName}`, `read-only ${a.readOnly}, but ${isInput ? "an" : "not an"} input in the Pulumi schema`);
            (a.readOnly ? outputs : inputs)[name] = a;
        }
        resources[r] = { token, inputs, outputs };
    }
    const unused = tokens.filter((t) => !used.has(t));
    if (unused.length > 0) fail("schema", `resources without a Terraform resource: ${unused.join(", ")}`);
    const provider = schema.provider ?? fail("schema", "no provider");
    const base = schema.parameterization?.baseProvider ?? fail("schema", "no parameterization: not a bridged package");
    let remote;
    try {
        remote = JSON.parse(Buffer.from(schema.parameterization.parameter, "base64").toString("utf8")).remote;
    } catch {
        remote = undefined;
    }
    if (remote?.url === undefined || remote.version !== mapping.version) fail("schema", `parameter ${schema.parameterization.parameter} is not {remote: {url, version: ${mapping.version}}}`);
    const source = `${base.name} ${base.version} parameterized with ${remote.url} ${remote.version} (pulumi package get-mapping, get-schema)`;
    const providerInputs = level(schema, tf.schema ?? {}, provider.inputProperties ?? {}, provider.requiredInputs ?? [], {}, "provider.");
    return sortKeys({
        generatedBy: GENERATED_BY,
        source,
        provider: { token: `pulumi:providers:${schema.name}`, inputs: providerInputs },
        resources,
    });
}

function render(tree) {
    return `${JSON.stringify(tree, null, 2)}\n`;
}

module.exports = { attributeTree, render, camelCase, isPluralOf, JoinError };

if (require.main === module) {
    const [mappingFile, schemaFile] = process.argv.slice(2);
    if (!mappingFile || !schemaFile) {
        process.stderr.write("usage: node scripts/gen-libvirt-sdk.d/attributeTree.js MAPPING_JSON SCHEMA_JSON\n");
        process.exit(2);
    }
    try {
        const mapping = JSON.parse(fs.readFileSync(mappingFile, "utf8"));
        const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
        process.stdout.write(render(attributeTree(mapping, schema)));
    } catch (err) {
        process.stderr.write(`attributeTree: ${err && err.message ? err.message : err}\n`);
        process.exit(1);
    }
}
