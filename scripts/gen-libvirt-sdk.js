#!/usr/bin/env node
// Generates the `@pulumi/libvirt` binding (sdks/libvirt) from the tfplugindocs
// markdown of the dmacvicar/libvirt v0.9.7 Terraform provider.
//
// `pulumi package add terraform-provider dmacvicar/libvirt 0.9.7` would produce this
// package, but the Pulumi CLI cannot run on our machines. tfplugindocs output *is* the
// provider schema, so we rebuild the attribute tree from it and apply the same naming
// rules the Pulumi Terraform bridge applies (see the README written next to the SDK).
//
// Usage: node scripts/gen-libvirt-sdk.js [schemaDocsDir] [--out dir]
//   schemaDocsDir  default: ../shared/provider-schema relative to the repository root
//   --out dir      default: sdks/libvirt in the repository root
//
// Plain Node, no dependencies; same input gives byte-identical output.
"use strict";

const fs = require("fs");
const path = require("path");

const REPO_ROOT = path.resolve(__dirname, "..");
const GENERATOR = "scripts/gen-libvirt-sdk.js";

// ---------------------------------------------------------------------------
// Package identity
// ---------------------------------------------------------------------------

const PACKAGE = Object.freeze({
    name: "libvirt",
    npmName: "@pulumi/libvirt",
    version: "0.9.7",
    registryUrl: "registry.opentofu.org/dmacvicar/libvirt",
    // The dynamically bridged provider plugin ("terraform-provider") that serves the
    // parameterized package. 1.2.0 is a published release of
    // pulumi/pulumi-terraform-provider (see sdks/libvirt/README.md).
    baseProviderName: "terraform-provider",
    baseProviderVersion: "1.2.0",
    baseProviderDownloadUrl: "",
    peerPulumi: "^3.248.0",
});

/** The parameter the bridge receives: base64 of its JSON `{"remote":{url,version}}`. */
function parameterValue() {
    const json = JSON.stringify({ remote: { url: PACKAGE.registryUrl, version: PACKAGE.version } });
    return Buffer.from(json, "utf8").toString("base64");
}

/** Terraform resource type -> Pulumi resource name; module is always `index`. */
const RESOURCES = Object.freeze([
    { tfType: "libvirt_cloudinit_disk", doc: "cloudinit_disk.md", className: "CloudinitDisk", fileName: "cloudinitDisk" },
    { tfType: "libvirt_domain", doc: "domain.md", className: "Domain", fileName: "domain" },
    { tfType: "libvirt_network", doc: "network.md", className: "Network", fileName: "network" },
    { tfType: "libvirt_pool", doc: "pool.md", className: "Pool", fileName: "pool" },
    { tfType: "libvirt_volume", doc: "volume.md", className: "Volume", fileName: "volume" },
]);

function resourceToken(r) {
    // tokens.MakeStandard: module "index", member = lower-camel resource name / class name.
    return `${PACKAGE.name}:index/${r.fileName}:${r.className}`;
}

// ---------------------------------------------------------------------------
// Inflector: a port of github.com/pulumi/inflector v0.2.1 (fork of gedex/inflector),
// which the bridge uses to pluralise list attributes and to singularise type names.
// Go regexp semantics are kept: `(?i)` prefixes, ReplaceAllString, and Go's
// template expansion ($1s means the group named "1s", which is empty).
// ---------------------------------------------------------------------------

function goRegex(pattern, flags) {
    let f = flags || "";
    let p = pattern;
    if (p.startsWith("(?i)")) {
        p = p.slice(4);
        f += "i";
    }
    return new RegExp(p, f);
}

/** regexp.Expand as used by Go's ReplaceAllString. */
function goExpand(template, groups) {
    let out = "";
    for (let i = 0; i < template.length; i++) {
        const c = template[i];
        if (c !== "$") {
            out += c;
            continue;
        }
        if (template[i + 1] === "$") {
            out += "$";
            i++;
            continue;
        }
        let name;
        if (template[i + 1] === "{") {
            const end = template.indexOf("}", i + 2);
            if (end < 0) {
                out += c;
                continue;
            }
            name = template.slice(i + 2, end);
            i = end;
        } else {
            const m = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
            if (!m) {
                out += c;
                continue;
            }
            name = m[0];
            i += name.length;
        }
        if (/^[0-9]+$/.test(name)) {
            const g = groups[Number(name)];
            out += g === undefined ? "" : g;
        }
        // Named groups do not exist in these patterns: expand to "".
    }
    return out;
}

function goReplaceAll(re, s, template) {
    const global = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
    return s.replace(global, (...args) => {
        const groups = args.slice(0, args.length - 2);
        return goExpand(template, groups);
    });
}

const UNINFLECTED = [
    "Amoyese", "bison", "Borghese", "bream", "breeches", "britches", "buffalo",
    "cantus", "carp", "chassis", "clippers", "cod", "coitus", "Congoese",
    "contretemps", "corps", "debris", "diabetes", "djinn", "eland", "elk",
    "equipment", "Faroese", "flounder", "Foochowese", "gallows", "Genevese",
    "Genoese", "Gilbertese", "graffiti", "headquarters", "herpes", "hijinks",
    "Hottentotese", "information", "innings", "jackanapes", "Kiplingese",
    "Kongoese", "Lucchese", "mackerel", "Maltese", ".*?media", "mews", "moose",
    "mumps", "Nankingese", "news", "nexus", "Niasese", "Pekingese",
    "Piedmontese", "pincers", "Pistoiese", "pliers", "Portuguese", "proceedings",
    "rabies", "rice", "rhinoceros", "salmon", "Sarawakese", "scissors",
    "sea[- ]bass", "series", "Shavese", "shears", "siemens", "species", "swine",
    "testes", "trousers", "trout", "tuna", "Vermontese", "Wenchowese", "whiting",
    "wildebeest", "Yengeese",
];
const UNINFLECTED_PLURALS = [".*[nrlm]ese", ".*deer", ".*fish", ".*measles", ".*ois", ".*pox", ".*sheep", "people"];
const UNINFLECTED_SINGULARS = [".*[nrlm]ese", ".*deer", ".*fish", ".*measles", ".*ois", ".*pox", ".*sheep", ".*ss"];

const PLURAL_RULES = [
    ["(?i)(s)tatus$", "${1}${2}tatuses"],
    ["(?i)(quiz)$", "${1}zes"],
    ["(?i)^(ox)$", "${1}${2}en"],
    ["(?i)([m|l])ouse$", "${1}ice"],
    ["(?i)(matr|vert|ind)(ix|ex)$", "${1}ices"],
    ["(?i)(x|ch|ss|sh)$", "${1}es"],
    ["(?i)([^aeiouy]|qu)y$", "${1}ies"],
    ["(?i)(hive)$", "$1s"],
    ["(?i)(?:([^f])fe|([lre])f)$", "${1}${2}ves"],
    ["(?i)sis$", "ses"],
    ["(?i)([ti])um$", "${1}a"],
    ["(?i)(p)erson$", "${1}eople"],
    ["(?i)(m)an$", "${1}en"],
    ["(?i)(c)hild$", "${1}hildren"],
    ["(?i)(buffal|tomat)o$", "${1}${2}oes"],
    ["(?i)(alumn|bacill|cact|foc|fung|nucle|radi|stimul|syllab|termin|vir)us$", "${1}i"],
    ["(?i)us$", "uses"],
    ["(?i)(alias)$", "${1}es"],
    ["(?i)(ax|cris|test)is$", "${1}es"],
    ["s$", "s"],
    ["^$", ""],
    ["$", "s"],
];
const PLURAL_IRREGULAR = [
    ["atlas", "atlases"], ["beef", "beefs"], ["brother", "brothers"], ["cafe", "cafes"],
    ["child", "children"], ["cookie", "cookies"], ["corpus", "corpuses"], ["cow", "cows"],
    ["ganglion", "ganglions"], ["genie", "genies"], ["genus", "genera"], ["graffito", "graffiti"],
    ["hoof", "hoofs"], ["loaf", "loaves"], ["man", "men"], ["money", "monies"],
    ["mongoose", "mongooses"], ["move", "moves"], ["mythos", "mythoi"], ["niche", "niches"],
    ["numen", "numina"], ["occiput", "occiputs"], ["octopus", "octopuses"], ["opus", "opuses"],
    ["ox", "oxen"], ["penis", "penises"], ["person", "people"], ["sex", "sexes"],
    ["soliloquy", "soliloquies"], ["testis", "testes"], ["trilby", "trilbys"], ["turf", "turfs"],
    ["potato", "potatoes"], ["hero", "heroes"], ["tooth", "teeth"], ["goose", "geese"],
    ["foot", "feet"],
];
const SINGULAR_RULES = [
    ["(?i)(s)tatuses$", "${1}${2}tatus"],
    ["(?i)^(.*)(menu)s$", "${1}${2}"],
    ["(?i)(quiz)zes$", "$1"],
    ["(?i)(matr)ices$", "${1}ix"],
    ["(?i)(vert|ind)ices$", "${1}ex"],
    ["(?i)^(ox)en", "$1"],
    ["(?i)(alias)(es)*$", "$1"],
    ["(?i)(alumn|bacill|cact|foc|fung|nucle|radi|stimul|syllab|termin|viri?)i$", "${1}us"],
    ["(?i)([ftw]ax)es", "$1"],
    ["(?i)(cris|ax|test)es$", "${1}is"],
    ["(?i)(shoe|slave)s$", "$1"],
    ["(?i)(o)es$", "$1"],
    ["ouses$", "ouse"],
    ["([^a])uses$", "${1}us"],
    ["(?i)([m|l])ice$", "${1}ouse"],
    ["(?i)(cache)s$", "$1"],
    ["(?i)(x|ch|ss|sh)es$", "$1"],
    ["(?i)(m)ovies$", "${1}${2}ovie"],
    ["(?i)(s)eries$", "${1}${2}eries"],
    ["(?i)([^aeiouy]|qu)ies$", "${1}y"],
    ["(?i)(tive)s$", "$1"],
    ["(?i)([lre])ves$", "${1}f"],
    ["(?i)([^fo])ves$", "${1}fe"],
    ["(?i)(hive)s$", "$1"],
    ["(?i)(drive)s$", "$1"],
    ["(?i)(^analy)ses$", "${1}sis"],
    ["(?i)(analy|diagno|^ba|parenthe|progno|synop|the)ses$", "${1}sis"],
    ["(?i)([ti])a$", "${1}um"],
    ["(?i)(p)eople$", "${1}${2}erson"],
    ["(?i)(m)en$", "${1}an"],
    ["(?i)(c)hildren$", "${1}${2}hild"],
    ["(?i)(n)ews$", "${1}${2}ews"],
    ["eaus$", "eau"],
    ["^(.*us)$", "$1"],
    ["(?i)s$", ""],
];
const SINGULAR_IRREGULAR = [
    ["foes", "foe"], ["waves", "wave"], ["curves", "curve"], ["atlases", "atlas"],
    ["beefs", "beef"], ["brothers", "brother"], ["cafes", "cafe"], ["children", "child"],
    ["cookies", "cookie"], ["corpuses", "corpus"], ["cows", "cow"], ["ganglions", "ganglion"],
    ["genies", "genie"], ["genera", "genus"], ["graffiti", "graffito"], ["hoofs", "hoof"],
    ["loaves", "loaf"], ["men", "man"], ["monies", "money"], ["mongooses", "mongoose"],
    ["moves", "move"], ["mythoi", "mythos"], ["niches", "niche"], ["caches", "cache"],
    ["numina", "numen"], ["occiputs", "occiput"], ["octopuses", "octopus"], ["opuses", "opus"],
    ["oxen", "ox"], ["penises", "penis"], ["people", "person"], ["sexes", "sex"],
    ["soliloquies", "soliloquy"], ["testes", "testis"], ["trilbys", "trilby"], ["turfs", "turf"],
    ["potatoes", "potato"], ["heroes", "hero"], ["teeth", "tooth"], ["geese", "goose"],
    ["feet", "foot"],
];

function makeInflector(rules, irregular, uninflected) {
    const compiledRules = rules.map(([p, r]) => [goRegex(p), r]);
    const irregularMap = new Map(irregular);
    const irregularRe = goRegex(`(?i)(.*)\\b((?:${irregular.map(([w]) => w).join("|")}))$`);
    const uninflectedRe = goRegex(`(?i)(^(?:${uninflected.join("|")}))$`);
    return (s) => {
        const res = irregularRe.exec(s);
        if (res) {
            return res[1] + s.slice(0, 1) + irregularMap.get(res[2].toLowerCase()).slice(1);
        }
        if (uninflectedRe.test(s)) {
            return s;
        }
        for (const [re, replacement] of compiledRules) {
            if (re.test(s)) {
                return goReplaceAll(re, s, replacement);
            }
        }
        return s;
    };
}

const pluralize = makeInflector(PLURAL_RULES, PLURAL_IRREGULAR, [...UNINFLECTED, ...UNINFLECTED_PLURALS]);
const singularize = makeInflector(SINGULAR_RULES, SINGULAR_IRREGULAR, [...UNINFLECTED, ...UNINFLECTED_SINGULARS]);

// ---------------------------------------------------------------------------
// Bridge naming (pkg/tfbridge/names.go, terraformToPulumiName)
// ---------------------------------------------------------------------------

/**
 * Pulumi property name of Terraform attribute `name` among its siblings `siblings`
 * (a Map tfName -> attr). List/set attributes are pluralised unless a sibling already
 * uses the plural spelling; then snake_case becomes camelCase.
 */
function terraformToPulumiName(name, siblings) {
    let n = name;
    const attr = siblings ? siblings.get(name) : undefined;
    if (attr && (attr.kind === "list" || attr.kind === "set")) {
        // PF attributes have no MaxItems, so every list/set is plural-shaped.
        const candidate = pluralize(n);
        if (!siblings.has(candidate) || candidate === n) {
            n = candidate;
        }
    }
    let result = "";
    let nextCap = false;
    let casingActivated = false;
    let prev = "";
    for (const c of n) {
        if (c === "_" && casingActivated) {
            nextCap = true;
            prev = c;
            continue;
        }
        if (c !== "_" && !casingActivated) {
            casingActivated = true;
        }
        result += nextCap && c >= "a" && c <= "z" ? c.toUpperCase() : c;
        nextCap = false;
        prev = c;
    }
    if (prev === "_") {
        result += "_";
    }
    return result;
}

function title(s) {
    return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------
// tfplugindocs markdown -> attribute tree
// ---------------------------------------------------------------------------

const SCALARS = new Set(["String", "Number", "Boolean"]);

/** Parses "(Attributes List)", "(List of String)", "(String, Sensitive)" ... */
function parseTypeSpec(spec, where) {
    const parts = spec.split(",").map((p) => p.trim());
    const base = parts[0];
    const flags = new Set(parts.slice(1));
    for (const f of flags) {
        if (f !== "Sensitive" && f !== "Deprecated") {
            throw new Error(`${where}: unknown type flag "${f}" in "(${spec})"`);
        }
    }
    let t;
    if (SCALARS.has(base)) {
        t = { kind: base.toLowerCase() };
    } else if (base === "Attributes") {
        t = { kind: "object", nested: true };
    } else if (/^Attributes (List|Set|Map)$/.test(base)) {
        t = { kind: base.split(" ")[1].toLowerCase(), element: "object", nested: true };
    } else {
        const m = /^(List|Set|Map) of (String|Number|Boolean)$/.exec(base);
        if (!m) {
            throw new Error(`${where}: unsupported attribute type "(${spec})"`);
        }
        t = { kind: m[1].toLowerCase(), element: m[2].toLowerCase() };
    }
    t.sensitive = flags.has("Sensitive");
    t.deprecated = flags.has("Deprecated");
    return t;
}

const NESTED_LINK = /\s*\(see \[below for nested schema\]\(#(nested(?:att|obj|block)--[a-z0-9_-]+)\)\)/;

/**
 * Reads one tfplugindocs page. Returns { title, description, sections } where sections
 * maps a dotted Terraform path ("" for the top level) to a list of raw attributes.
 */
function parseDoc(text, fileName) {
    const lines = text.split(/\r?\n/);
    const sections = new Map();
    let description = "";
    let pageTitle = "";
    let section = null;
    let group = null;
    let current = null;
    let pendingBlank = false;
    let inSchema = false;
    let inFence = false;
    let bodyLines = null;

    const groupOf = { "Required": "required", "Optional": "optional", "Read-Only": "readOnly" };

    const finish = () => {
        current = null;
        pendingBlank = false;
    };

    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const where = `${fileName}:${i + 1}`;
        if (!inSchema) {
            if (line.startsWith("```")) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            const h1 = /^# (\S+) \((Resource|Data Source)\)$/.exec(line);
            if (h1) {
                pageTitle = h1[1];
                bodyLines = [];
                continue;
            }
            if (line.startsWith("## ")) {
                if (bodyLines) {
                    description = bodyLines.join("\n").trim();
                    bodyLines = null;
                }
                if (line === "## Schema") {
                    inSchema = true;
                }
                continue;
            }
            if (bodyLines) {
                bodyLines.push(line);
            }
            continue;
        }

        let m;
        if ((m = /^### (Required|Optional|Read-Only)$/.exec(line))) {
            finish();
            section = "";
            group = groupOf[m[1]];
            if (!sections.has(section)) sections.set(section, []);
            continue;
        }
        if ((m = /^### Nested Schema for `([a-z0-9_.]+)`$/.exec(line))) {
            finish();
            section = m[1];
            group = null;
            if (sections.has(section)) {
                throw new Error(`${where}: nested schema for "${section}" appears twice`);
            }
            sections.set(section, []);
            continue;
        }
        if (line.startsWith("#")) {
            throw new Error(`${where}: unexpected heading in schema: ${line}`);
        }
        if ((m = /^(Required|Optional|Read-Only):$/.exec(line))) {
            finish();
            if (section === null || section === "") {
                throw new Error(`${where}: "${line}" outside a nested schema`);
            }
            group = groupOf[m[1]];
            continue;
        }
        if (/^<a id="[^"]*"><\/a>$/.test(line)) {
            finish();
            continue;
        }
        if ((m = /^- `([a-z0-9_]+)` \(([^)]*)\)(?: (.*))?$/.exec(line))) {
            if (section === null || group === null) {
                throw new Error(`${where}: attribute outside a Required/Optional/Read-Only group`);
            }
            current = { name: m[1], typeSpec: m[2], group, text: m[3] || "", where };
            sections.get(section).push(current);
            pendingBlank = false;
            continue;
        }
        if (line.trim() === "") {
            if (current) pendingBlank = true;
            continue;
        }
        if (!current) {
            throw new Error(`${where}: unexpected text in schema: ${line}`);
        }
        // Continuation of a multi-line description.
        current.text += (pendingBlank ? "\n\n" : "\n") + line;
        pendingBlank = false;
    }
    if (!inSchema) {
        throw new Error(`${fileName}: no "## Schema" section`);
    }
    return { title: pageTitle, description, sections };
}

function anchorToPath(anchor) {
    return anchor.replace(/^nested(?:att|obj|block)--/, "").split("--").join(".");
}

/**
 * Builds the attribute tree for one section path. Each node:
 * { tfName, pulumiName, kind, element?, required, readOnly, sensitive, description, properties? }
 * where properties is a Map keyed by Terraform name, in document order.
 */
function buildAttributes(sections, sectionPath, fileName, used) {
    const raw = sections.get(sectionPath);
    if (raw === undefined) {
        throw new Error(`${fileName}: missing nested schema for "${sectionPath}"`);
    }
    used.add(sectionPath);
    const attrs = new Map();
    for (const r of raw) {
        if (attrs.has(r.name)) {
            throw new Error(`${r.where}: attribute "${r.name}" listed twice in "${sectionPath || "<top>"}"`);
        }
        const t = parseTypeSpec(r.typeSpec, r.where);
        let text = r.text;
        const link = NESTED_LINK.exec(text);
        if (link) {
            text = (text.slice(0, link.index) + text.slice(link.index + link[0].length)).trim();
        }
        const childPath = sectionPath === "" ? r.name : `${sectionPath}.${r.name}`;
        const attr = {
            tfName: r.name,
            pulumiName: "",
            kind: t.kind,
            element: t.element,
            required: r.group === "required",
            readOnly: r.group === "readOnly",
            sensitive: t.sensitive,
            deprecated: t.deprecated,
            description: text.trim(),
            properties: undefined,
        };
        if (t.nested) {
            if (!link) {
                throw new Error(`${r.where}: "${r.name}" is ${r.typeSpec} but has no nested schema link`);
            }
            const target = anchorToPath(link[1]);
            if (target !== childPath) {
                throw new Error(`${r.where}: nested schema link of "${childPath}" points at "${target}"`);
            }
            attr.properties = buildAttributes(sections, childPath, fileName, used);
        } else if (link) {
            throw new Error(`${r.where}: scalar "${r.name}" links to a nested schema`);
        }
        attrs.set(r.name, attr);
    }
    for (const attr of attrs.values()) {
        attr.pulumiName = terraformToPulumiName(attr.tfName, attrs);
    }
    const seen = new Map();
    for (const attr of attrs.values()) {
        const other = seen.get(attr.pulumiName);
        if (other) {
            throw new Error(`${fileName}: "${other}" and "${attr.tfName}" both map to "${attr.pulumiName}" in "${sectionPath || "<top>"}"`);
        }
        seen.set(attr.pulumiName, attr.tfName);
    }
    return attrs;
}

function loadResourceDoc(dir, fileName) {
    const text = fs.readFileSync(path.join(dir, fileName), "utf8");
    const doc = parseDoc(text, fileName);
    const used = new Set();
    const attrs = buildAttributes(doc.sections, "", fileName, used);
    for (const p of doc.sections.keys()) {
        if (!used.has(p)) {
            throw new Error(`${fileName}: nested schema "${p}" is not linked from any attribute`);
        }
    }
    return { title: doc.title, description: doc.description, attrs };
}

function loadProviderDoc(dir) {
    const text = fs.readFileSync(path.join(dir, "index.md"), "utf8");
    // The provider page has no "# x (Resource)" heading; parseDoc only needs "## Schema".
    const doc = parseDoc(text, "index.md");
    const used = new Set();
    return { attrs: buildAttributes(doc.sections, "", "index.md", used) };
}

// ---------------------------------------------------------------------------
// Bridge adjustments for resources (dynamic bridge + tfgen)
// ---------------------------------------------------------------------------

/**
 * Applies what the bridge does to the top level of a resource:
 * - a top-level `id` is the Pulumi resource id, never a property (generate_schema.go);
 *   a non-string `id` gets the placeholder ComputeID "missing ID" (dynamic/internal/fixup);
 * - a string input named `name` is auto-named (dynamic/info.go SetAutonaming(255, "-")),
 *   which makes it optional.
 */
function bridgeResource(res) {
    const idAttr = res.attrs.get("id");
    const top = new Map();
    for (const [k, v] of res.attrs) {
        if (k !== "id") top.set(k, v);
    }
    const name = top.get("name");
    if (name && name.kind === "string" && !name.readOnly) {
        name.autoNamed = true;
        name.required = false;
    }
    let pulumiId;
    if (!idAttr) {
        pulumiId = { source: "placeholder", value: "missing ID" };
    } else if (idAttr.kind === "string" && idAttr.readOnly) {
        pulumiId = { source: "terraform id", kind: "string" };
    } else {
        pulumiId = { source: "placeholder", value: "missing ID", terraformIdKind: idAttr.kind };
    }
    return { top, pulumiId };
}

// ---------------------------------------------------------------------------
// schema.json
// ---------------------------------------------------------------------------

function sortedByPulumiName(attrs) {
    return [...attrs.values()].sort((a, b) => (a.pulumiName < b.pulumiName ? -1 : a.pulumiName > b.pulumiName ? 1 : 0));
}

function attrJson(attr) {
    const o = { tfName: attr.tfName, kind: attr.kind };
    if (attr.element !== undefined) o.element = attr.element;
    o.required = attr.required;
    o.readOnly = attr.readOnly;
    if (attr.autoNamed) o.autoNamed = true;
    if (attr.sensitive) o.secret = true;
    if (attr.properties) {
        o.properties = {};
        for (const child of sortedByPulumiName(attr.properties)) {
            o.properties[child.pulumiName] = attrJson(child);
        }
    }
    return o;
}

function schemaJson(model) {
    const out = {
        generatedBy: GENERATOR,
        source: `${PACKAGE.registryUrl} ${PACKAGE.version} (tfplugindocs)`,
        provider: { token: `pulumi:providers:${PACKAGE.name}`, inputs: {} },
        resources: {},
    };
    for (const a of sortedByPulumiName(model.provider.attrs)) {
        out.provider.inputs[a.pulumiName] = attrJson(a);
    }
    for (const r of model.resources) {
        const inputs = {};
        const outputs = {};
        for (const a of sortedByPulumiName(r.top)) {
            (a.readOnly ? outputs : inputs)[a.pulumiName] = attrJson(a);
        }
        out.resources[r.tfType] = { token: r.token, pulumiId: r.pulumiId, inputs, outputs };
    }
    return JSON.stringify(out, null, 2) + "\n";
}

// ---------------------------------------------------------------------------
// TypeScript emission (shaped like pulumi's nodejs codegen output)
// ---------------------------------------------------------------------------

const HEADER =
    `// *** WARNING: this file was generated by ${GENERATOR} from the ${PACKAGE.registryUrl} v${PACKAGE.version} schema docs. ***\n` +
    `// *** Do not edit by hand; run \`node ${GENERATOR}\` to regenerate. ***\n`;

function printComment(lines, comment, indent) {
    if (!comment) return;
    const body = comment.replace(/\*\//g, "*&#47;").split("\n");
    while (body.length > 0 && body[body.length - 1] === "") body.pop();
    lines.push(`${indent}/**`);
    for (const l of body) {
        lines.push(l === "" ? `${indent} *` : `${indent} * ${l.replace(/\s+$/, "")}`);
    }
    lines.push(`${indent} */`);
}

/**
 * Assigns nested type names the way tfgen's declareType does: prefix + Title(name),
 * list/set property names singularised. Returns a Map typeName -> { attrs } and sets
 * attr.typeName on every object-typed attribute.
 */
function declareTypes(prefix, attrs, types, owner) {
    for (const attr of attrs.values()) {
        if (!attr.properties) continue;
        const base = attr.kind === "list" || attr.kind === "set" ? singularize(attr.pulumiName) : attr.pulumiName;
        const typeName = prefix + title(base);
        if (types.has(typeName)) {
            throw new Error(`${owner}: nested type name ${typeName} declared twice`);
        }
        attr.typeName = typeName;
        types.set(typeName, attr);
        declareTypes(typeName, attr.properties, types, owner);
    }
}

function scalarTs(kind) {
    switch (kind) {
        case "string":
            return "string";
        case "number":
            return "number";
        case "boolean":
            return "boolean";
        default:
            throw new Error(`not a scalar: ${kind}`);
    }
}

/** Plain (output) TypeScript type of an attribute, e.g. `outputs.DomainCpu[]`. */
function outputType(attr, ns) {
    const elem = attr.properties ? `${ns}.${attr.typeName}` : attr.element ? scalarTs(attr.element) : undefined;
    switch (attr.kind) {
        case "object":
            return `${ns}.${attr.typeName}`;
        case "list":
        case "set":
            return `${elem}[]`;
        case "map":
            return `{[key: string]: ${elem}}`;
        default:
            return scalarTs(attr.kind);
    }
}

/** Input-shaped TypeScript type, e.g. `pulumi.Input<pulumi.Input<inputs.X>[]>`. */
function inputType(attr, ns) {
    const elem = attr.properties ? `${ns}.${attr.typeName}` : attr.element ? scalarTs(attr.element) : undefined;
    switch (attr.kind) {
        case "object":
            return `pulumi.Input<${ns}.${attr.typeName}>`;
        case "list":
        case "set":
            return `pulumi.Input<pulumi.Input<${elem}>[]>`;
        case "map":
            return `pulumi.Input<{[key: string]: pulumi.Input<${elem}>}>`;
        default:
            return `pulumi.Input<${scalarTs(attr.kind)}>`;
    }
}

/** Output-position requiredness (tfgen variable.optional with out=true). */
function requiredInOutput(attr) {
    return attr.required || attr.readOnly || !!attr.autoNamed;
}

function attrDoc(attr) {
    let doc = attr.description;
    if (attr.autoNamed) {
        const note = "If omitted, Pulumi auto-names it from the resource name plus a random suffix.";
        doc = doc ? `${doc}\n\n${note}` : note;
    }
    if (attr.deprecated) {
        // tfplugindocs only says "Deprecated"; the message stays generic.
        doc = `${doc ? `${doc}\n\n` : ""}@deprecated Deprecated in the provider schema.`;
    }
    return doc;
}

function genTypesFile(model, input) {
    const lines = [HEADER.trimEnd(), "", 'import * as pulumi from "@pulumi/pulumi";', 'import * as inputs from "../types/input";', 'import * as outputs from "../types/output";', ""];
    const all = [];
    for (const r of model.resources) {
        for (const [name, attr] of r.types) all.push([name, attr]);
    }
    all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, attr] of all) {
        lines.push(`export interface ${name} {`);
        for (const child of sortedByPulumiName(attr.properties)) {
            printComment(lines, attrDoc(child), "    ");
            if (input) {
                const opt = child.required ? "" : "?";
                lines.push(`    ${child.pulumiName}${opt}: ${inputType(child, "inputs")};`);
            } else {
                const opt = requiredInOutput(child) ? "" : "?";
                lines.push(`    ${child.pulumiName}${opt}: ${outputType(child, "outputs")};`);
            }
        }
        lines.push("}", "");
    }
    return lines.join("\n");
}

function genResourceFile(r) {
    const name = r.className;
    const stateType = `${name}State`;
    const argsType = `${name}Args`;
    const all = sortedByPulumiName(r.top);
    const inputsList = all.filter((a) => !a.readOnly);
    const allOptionalInputs = inputsList.every((a) => !a.required);
    const secrets = all.filter((a) => a.sensitive).map((a) => a.pulumiName);
    const L = [];
    L.push(HEADER.trimEnd(), "");
    L.push('import * as pulumi from "@pulumi/pulumi";');
    L.push('import * as inputs from "./types/input";');
    L.push('import * as outputs from "./types/output";');
    L.push('import * as utilities from "./utilities";', "");
    printComment(L, `${r.description}\n\nTerraform resource \`${r.tfType}\`.\n${idDoc(r)}`, "");
    L.push(`export class ${name} extends pulumi.CustomResource {`);
    L.push("    /**");
    L.push(`     * Get an existing ${name} resource's state with the given name, ID, and optional extra`);
    L.push("     * properties used to qualify the lookup.");
    L.push("     *");
    L.push("     * @param name The _unique_ name of the resulting resource.");
    L.push("     * @param id The _unique_ provider ID of the resource to lookup.");
    L.push("     * @param state Any extra arguments used during the lookup.");
    L.push("     * @param opts Optional settings to control the behavior of the CustomResource.");
    L.push("     */");
    L.push(`    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: ${stateType}, opts?: pulumi.CustomResourceOptions): ${name} {`);
    L.push(`        return new ${name}(name, <any>state, { ...opts, id: id });`);
    L.push("    }", "");
    L.push("    /** @internal */");
    L.push(`    public static readonly __pulumiType = '${r.token}';`, "");
    L.push("    /**");
    L.push(`     * Returns true if the given object is an instance of ${name}.  This is designed to work even`);
    L.push("     * when multiple copies of the Pulumi SDK have been loaded into the same process.");
    L.push("     */");
    L.push(`    public static isInstance(obj: any): obj is ${name} {`);
    L.push("        if (obj === undefined || obj === null) {");
    L.push("            return false;");
    L.push("        }");
    L.push(`        return obj['__pulumiType'] === ${name}.__pulumiType;`);
    L.push("    }", "");
    for (const a of all) {
        printComment(L, attrDoc(a), "    ");
        const out = a.readOnly ? "/*out*/ " : "";
        const t = outputType(a, "outputs") + (requiredInOutput(a) ? "" : " | undefined");
        L.push(`    public ${out}readonly ${a.pulumiName}!: pulumi.Output<${t}>;`);
    }
    L.push("");
    L.push("    /**");
    L.push(`     * Create a ${name} resource with the given unique name, arguments, and options.`);
    L.push("     *");
    L.push("     * @param name The _unique_ name of the resource.");
    L.push("     * @param args The arguments to use to populate this resource's properties.");
    L.push("     * @param opts A bag of options that control this resource's behavior.");
    L.push("     */");
    L.push(`    constructor(name: string, args${allOptionalInputs ? "?" : ""}: ${argsType}, opts?: pulumi.CustomResourceOptions)`);
    L.push(`    constructor(name: string, argsOrState?: ${argsType} | ${stateType}, opts?: pulumi.CustomResourceOptions) {`);
    L.push("        let resourceInputs: pulumi.Inputs = {};");
    L.push("        opts = opts || {};");
    L.push("        if (opts.id) {");
    L.push(`            const state = argsOrState as ${stateType} | undefined;`);
    for (const a of all) {
        L.push(`            resourceInputs["${a.pulumiName}"] = state ? state.${a.pulumiName} : undefined;`);
    }
    L.push("        } else {");
    L.push(`            const args = argsOrState as ${argsType} | undefined;`);
    for (const a of inputsList) {
        if (!a.required) continue;
        L.push(`            if ((!args || args.${a.pulumiName} === undefined) && !opts.urn) {`);
        L.push(`                throw new Error("Missing required property '${a.pulumiName}'");`);
        L.push("            }");
    }
    for (const a of inputsList) {
        const v = a.sensitive
            ? `args?.${a.pulumiName} ? pulumi.secret(args.${a.pulumiName}) : undefined`
            : `args ? args.${a.pulumiName} : undefined`;
        L.push(`            resourceInputs["${a.pulumiName}"] = ${v};`);
    }
    for (const a of all) {
        if (a.readOnly) L.push(`            resourceInputs["${a.pulumiName}"] = undefined /*out*/;`);
    }
    L.push("        }");
    L.push("        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);");
    if (secrets.length > 0) {
        L.push(`        const secretOpts = { additionalSecretOutputs: ["${secrets.join('", "')}"] };`);
        L.push("        opts = pulumi.mergeOptions(opts, secretOpts);");
    }
    L.push(`        super(${name}.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());`);
    L.push("    }");
    L.push("}", "");
    printComment(L, `Input properties used for looking up and filtering ${name} resources.`, "");
    L.push(`export interface ${stateType} {`);
    for (const a of all) {
        printComment(L, attrDoc(a), "    ");
        L.push(`    ${a.pulumiName}?: ${inputType(a, "inputs")};`);
    }
    L.push("}", "");
    printComment(L, `The set of arguments for constructing a ${name} resource.`, "");
    L.push(`export interface ${argsType} {`);
    for (const a of inputsList) {
        printComment(L, attrDoc(a), "    ");
        L.push(`    ${a.pulumiName}${a.required ? "" : "?"}: ${inputType(a, "inputs")};`);
    }
    L.push("}", "");
    return L.join("\n");
}

function idDoc(r) {
    if (r.pulumiId.source === "terraform id") {
        return "Its Pulumi `id` is the Terraform `id`.";
    }
    return (
        `Its Terraform \`id\` is a ${r.pulumiId.terraformIdKind}, so the bridge gives every instance the\n` +
        `placeholder Pulumi \`id\` "${r.pulumiId.value}"; refer to instances by another attribute (e.g. \`uuid\`).`
    );
}

function genProviderFile(model) {
    const attrs = sortedByPulumiName(model.provider.attrs);
    const L = [];
    L.push(HEADER.trimEnd(), "");
    L.push('import * as pulumi from "@pulumi/pulumi";');
    L.push('import * as utilities from "./utilities";', "");
    printComment(
        L,
        `The provider type for the ${PACKAGE.name} package. By default, resources use package-wide configuration\n` +
            "settings, however an explicit `Provider` instance may be created and passed during resource\n" +
            "construction to achieve fine-grained programmatic control over provider settings. See the\n" +
            "[documentation](https://www.pulumi.com/docs/reference/programming-model/#providers) for more information.",
        "",
    );
    L.push("export class Provider extends pulumi.ProviderResource {");
    L.push("    /** @internal */");
    L.push(`    public static readonly __pulumiType = '${PACKAGE.name}';`, "");
    L.push("    /**");
    L.push("     * Returns true if the given object is an instance of Provider.  This is designed to work even");
    L.push("     * when multiple copies of the Pulumi SDK have been loaded into the same process.");
    L.push("     */");
    L.push("    public static isInstance(obj: any): obj is Provider {");
    L.push("        if (obj === undefined || obj === null) {");
    L.push("            return false;");
    L.push("        }");
    L.push('        return obj[\'__pulumiType\'] === "pulumi:providers:" + Provider.__pulumiType;');
    L.push("    }", "");
    for (const a of attrs) {
        printComment(L, a.description, "    ");
        L.push(`    public readonly ${a.pulumiName}!: pulumi.Output<${outputType(a, "outputs")}${a.required ? "" : " | undefined"}>;`);
    }
    L.push("");
    L.push("    /**");
    L.push("     * Create a Provider resource with the given unique name, arguments, and options.");
    L.push("     *");
    L.push("     * @param name The _unique_ name of the resource.");
    L.push("     * @param args The arguments to use to populate this resource's properties.");
    L.push("     * @param opts A bag of options that control this resource's behavior.");
    L.push("     */");
    const allOptional = attrs.every((a) => !a.required);
    L.push(`    constructor(name: string, args${allOptional ? "?" : ""}: ProviderArgs, opts?: pulumi.ResourceOptions) {`);
    L.push("        let resourceInputs: pulumi.Inputs = {};");
    L.push("        opts = opts || {};");
    L.push("        {");
    for (const a of attrs) {
        if (!a.required) continue;
        L.push(`            if ((!args || args.${a.pulumiName} === undefined) && !opts.urn) {`);
        L.push(`                throw new Error("Missing required property '${a.pulumiName}'");`);
        L.push("            }");
    }
    for (const a of attrs) {
        let v = a.sensitive
            ? `args?.${a.pulumiName} ? pulumi.secret(args.${a.pulumiName}) : undefined`
            : `args ? args.${a.pulumiName} : undefined`;
        // Provider properties travel as JSON strings unless they are strings already.
        if (a.kind !== "string") v = `pulumi.output(${v}).apply(JSON.stringify)`;
        L.push(`            resourceInputs["${a.pulumiName}"] = ${v};`);
    }
    L.push("        }");
    L.push("        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);");
    L.push("        super(Provider.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());");
    L.push("    }", "");
    L.push("    /**");
    L.push("     * This function returns a Terraform config object with terraform-namecased keys,to be used with the Terraform Module Provider.");
    L.push("     */");
    L.push("    terraformConfig(): pulumi.Output<{[key: string]: any}> {");
    L.push("        const result: pulumi.Output<Provider.TerraformConfigResult> = pulumi.runtime.call(");
    L.push(`            "pulumi:providers:${PACKAGE.name}/terraformConfig",`);
    L.push('            { "__self__": this },');
    L.push("            this,");
    L.push("            utilities.getPackage(),");
    L.push("        );");
    L.push("        return result.result;");
    L.push("    }");
    L.push("}", "");
    printComment(L, "The set of arguments for constructing a Provider resource.", "");
    L.push("export interface ProviderArgs {");
    for (const a of attrs) {
        printComment(L, a.description, "    ");
        L.push(`    ${a.pulumiName}${a.required ? "" : "?"}: ${inputType(a, "inputs")};`);
    }
    L.push("}", "");
    L.push("export namespace Provider {");
    L.push("    /**");
    L.push("     * The results of the Provider.terraformConfig method.");
    L.push("     */");
    L.push("    export interface TerraformConfigResult {");
    L.push("        readonly result: {[key: string]: any};");
    L.push("    }", "");
    L.push("}", "");
    return L.join("\n");
}

function genUtilities() {
    const param = parameterValue();
    return `${HEADER}
import * as pulumi from "@pulumi/pulumi";

export function getEnv(...vars: string[]): string | undefined {
    for (const v of vars) {
        const value = process.env[v];
        if (value) {
            return value;
        }
    }
    return undefined;
}

export function getEnvBoolean(...vars: string[]): boolean | undefined {
    const s = getEnv(...vars);
    if (s !== undefined) {
        // NOTE: these values are taken from https://golang.org/src/strconv/atob.go?s=351:391#L1, which is what
        // Terraform uses internally when parsing boolean values.
        if (["1", "t", "T", "true", "TRUE", "True"].find(v => v === s) !== undefined) {
            return true;
        }
        if (["0", "f", "F", "false", "FALSE", "False"].find(v => v === s) !== undefined) {
            return false;
        }
    }
    return undefined;
}

export function getEnvNumber(...vars: string[]): number | undefined {
    const s = getEnv(...vars);
    if (s !== undefined) {
        const f = parseFloat(s);
        if (!isNaN(f)) {
            return f;
        }
    }
    return undefined;
}

export function getVersion(): string {
    return "${PACKAGE.version}";
}

/** @internal */
export function resourceOptsDefaults(): any {
    return { version: getVersion() };
}

/** @internal */
export function lazyLoad(exports: any, props: string[], loadModule: any) {
    for (let property of props) {
        Object.defineProperty(exports, property, {
            enumerable: true,
            get: function() {
                return loadModule()[property];
            },
        });
    }
}

/**
 * How this package is registered with the engine: the dynamically bridged
 * "${PACKAGE.baseProviderName}" plugin, parameterized with the Terraform provider
 * ${PACKAGE.registryUrl} ${PACKAGE.version}.
 */
export const packageRegistration: pulumi.runtime.RegisterPackageArgs = {
    baseProviderName: "${PACKAGE.baseProviderName}",
    baseProviderVersion: "${PACKAGE.baseProviderVersion}",
    baseProviderDownloadUrl: "${PACKAGE.baseProviderDownloadUrl}",
    packageName: "${PACKAGE.name}",
    packageVersion: "${PACKAGE.version}",
    // base64 of {"remote":{"url":"${PACKAGE.registryUrl}","version":"${PACKAGE.version}"}}
    base64Parameter: "${param}",
};

/**
 * The package reference every resource of this package passes to the engine.
 *
 * Not cached here on purpose: \`pulumi.runtime.registerPackage\` already registers
 * once per deployment and hands back the same promise afterwards, and a
 * process-wide cache would leak one deployment's reference into the next when
 * several Automation API programs run in one process.
 *
 * @internal
 */
export function getPackage(): Promise<string | undefined> {
    return pulumi.runtime.registerPackage(packageRegistration);
}
`;
}

function genIndex(model) {
    const L = [];
    L.push(HEADER.trimEnd(), "");
    L.push('import * as pulumi from "@pulumi/pulumi";');
    L.push('import * as utilities from "./utilities";', "");
    L.push("// Export members:");
    const members = [
        ...model.resources.map((r) => ({ file: r.fileName, className: r.className, provider: false })),
        { file: "provider", className: "Provider", provider: true },
    ].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    for (const m of members) {
        const q = JSON.stringify(`./${m.file}`);
        if (m.provider) {
            // The Provider has a merged namespace (method result types): eager re-export.
            L.push(`export * from ${q};`);
            L.push(`import { Provider } from ${q};`, "");
            continue;
        }
        L.push(`export type { ${m.className}Args, ${m.className}State } from ${q};`);
        L.push(`export type ${m.className} = import(${q}).${m.className};`);
        L.push(`export const ${m.className}: typeof import(${q}).${m.className} = null as any;`);
        L.push(`utilities.lazyLoad(exports, ["${m.className}"], () => require(${q}));`, "");
    }
    L.push("");
    L.push("// Export sub-modules:");
    L.push('import * as types from "./types";', "");
    L.push("export {", "    types,", "};", "");
    L.push("const _module = {");
    L.push("    version: utilities.getVersion(),");
    L.push("    construct: (name: string, type: string, urn: string): pulumi.Resource => {");
    L.push("        switch (type) {");
    for (const r of model.resources) {
        L.push(`            case "${r.token}":`);
        L.push(`                return new ${r.className}(name, <any>undefined, { urn })`);
    }
    L.push("            default:");
    L.push("                throw new Error(`unknown resource type ${type}`);");
    L.push("        }");
    L.push("    },");
    L.push("};");
    for (const r of model.resources) {
        L.push(`pulumi.runtime.registerResourceModule("${PACKAGE.name}", "index/${r.fileName}", _module)`);
    }
    L.push(`pulumi.runtime.registerResourcePackage("${PACKAGE.name}", {`);
    L.push("    version: utilities.getVersion(),");
    L.push("    constructProvider: (name: string, type: string, urn: string): pulumi.ProviderResource => {");
    L.push(`        if (type !== "pulumi:providers:${PACKAGE.name}") {`);
    L.push("            throw new Error(`unknown provider type ${type}`);");
    L.push("        }");
    L.push("        return new Provider(name, <any>undefined, { urn });");
    L.push("    },");
    L.push("});", "");
    return L.join("\n");
}

function genTypesIndex() {
    return `${HEADER}
// Export sub-modules:
import * as input from "./input";
import * as output from "./output";

export {
    input,
    output,
};
`;
}

function genPackageJson() {
    const pkg = {
        name: PACKAGE.npmName,
        version: PACKAGE.version,
        description: `Pulumi binding of the ${PACKAGE.registryUrl} ${PACKAGE.version} Terraform provider, generated by ${GENERATOR}.`,
        license: "Apache-2.0",
        main: "bin/index.js",
        types: "bin/index.d.ts",
        scripts: { build: "tsc" },
        peerDependencies: { "@pulumi/pulumi": PACKAGE.peerPulumi },
        pulumi: {
            resource: true,
            name: PACKAGE.baseProviderName,
            version: PACKAGE.baseProviderVersion,
            parameterization: { name: PACKAGE.name, version: PACKAGE.version, value: parameterValue() },
        },
    };
    return JSON.stringify(pkg, null, 2) + "\n";
}

function genTsconfig(files) {
    const cfg = {
        compilerOptions: {
            outDir: "bin",
            target: "ES2022",
            // Output properties are declared fields (`readonly x!: Output<T>`); with ES2022
            // class-field semantics they would be reset to undefined after the
            // CustomResource constructor has set them up.
            useDefineForClassFields: false,
            module: "commonjs",
            moduleResolution: "node",
            declaration: true,
            sourceMap: true,
            stripInternal: true,
            strict: true,
            noFallthroughCasesInSwitch: true,
            forceConsistentCasingInFileNames: true,
            skipLibCheck: true,
            types: ["node"],
        },
        files,
    };
    return JSON.stringify(cfg, null, 2) + "\n";
}

/** Nested read-only attributes and attribute-less objects, as Pulumi paths per resource. */
function schemaQuirks(model) {
    const readOnly = [];
    const empty = [];
    const walk = (r, attrs, prefix) => {
        for (const a of sortedByPulumiName(attrs)) {
            const p = prefix ? `${prefix}.${a.pulumiName}` : a.pulumiName;
            if (a.readOnly && prefix) readOnly.push([r.tfType, p]);
            if (!a.properties) continue;
            if (a.properties.size === 0) {
                empty.push([r.tfType, p]);
                continue;
            }
            walk(r, a.properties, a.kind === "list" || a.kind === "set" ? `${p}[]` : p);
        }
    };
    for (const r of model.resources) walk(r, r.top, "");
    const render = (rows) => {
        const byResource = new Map();
        for (const [res, p] of rows) {
            if (!byResource.has(res)) byResource.set(res, []);
            byResource.get(res).push(`\`${p}\``);
        }
        return [...byResource].map(([res, paths]) => `- \`${res}\`: ${paths.join(", ")}`).join("\n");
    };
    return { readOnly: render(readOnly), empty: render(empty) };
}

function genReadme(model) {
    const quirks = schemaQuirks(model);
    const tokens = model.resources.map((r) => `| \`${r.tfType}\` | \`${r.className}\` | \`${r.token}\` |`).join("\n");
    return `# @pulumi/libvirt (generated)

Pulumi binding of the Terraform provider [dmacvicar/libvirt](https://github.com/dmacvicar/terraform-provider-libvirt)
v${PACKAGE.version}. **Generated by \`${GENERATOR}\`** from the provider's tfplugindocs schema pages
(\`../shared/provider-schema/*.md\`); do not edit by hand.

It stands in for what \`pulumi package add terraform-provider dmacvicar/libvirt ${PACKAGE.version}\` generates,
because the Pulumi CLI cannot run on our build machines. Resources register with the same type tokens and the
same package parameterization, so the engine runs them with the real \`${PACKAGE.baseProviderName}\` plugin
(v${PACKAGE.baseProviderVersion}).

| Terraform | Class | Token |
|---|---|---|
${tokens}
| provider | \`Provider\` | \`pulumi:providers:${PACKAGE.name}\` |

\`schema.json\` holds the attribute tree with Pulumi names (used by tests to check what virtkit renders).

## Naming rules applied (as the Pulumi Terraform bridge does)
- snake_case becomes camelCase (\`cpu_tune\` -> \`cpuTune\`, \`io_thread_i_ds\` -> \`ioThreadIDs\`).
- List and set attributes are pluralised with the bridge's inflector (\`vcpu_pin\` -> \`vcpuPins\`,
  \`cell\` -> \`cells\`); names already plural stay (\`hugepages\`, \`boot_devices\`), and a list keeps its
  name when a sibling already uses the plural.
- Nested types are named after their path, list names singularised (\`DomainCpuTuneVcpuPin\`).
- A top-level \`id\` is the Pulumi resource id, not a property. \`libvirt_domain\`'s \`id\` is a number, so
  the bridge gives domains the placeholder id \`"missing ID"\`: refer to them by \`uuid\`.
- A top-level string \`name\` is auto-named by the bridge (URN name + \`-\` + 7 random characters) and
  therefore optional: pass it explicitly to get a predictable libvirt name.

## What the v0.9.7 schema does not let a program set
Read-only nested attributes (the provider computes them; cf. dmacvicar/terraform-provider-libvirt#1236
for the VLAN tag ids):
${quirks.readOnly}

Objects without any attribute (they can only be present or absent):
${quirks.empty}

## Regenerating
- Ours, from the docs: \`node ${GENERATOR} [schemaDocsDir] [--out dir]\` (defaults: \`../shared/provider-schema\`,
  \`sdks/libvirt\`), then \`npx tsc -p sdks/libvirt\`. \`tests/provider/binding.test.ts\` fails when the
  committed files differ from a fresh run.
- The real one, on a machine with the Pulumi CLI: \`pulumi package add terraform-provider dmacvicar/libvirt ${PACKAGE.version}\`
  in the Pulumi project; it writes \`sdks/libvirt\` and adds \`"@pulumi/libvirt": "file:sdks/libvirt"\` to package.json.
  Diff its output against this package before replacing it.
`;
}

// ---------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------

function buildModel(schemaDir) {
    const provider = loadProviderDoc(schemaDir);
    const resources = RESOURCES.map((spec) => {
        const doc = loadResourceDoc(schemaDir, spec.doc);
        if (doc.title !== spec.tfType) {
            throw new Error(`${spec.doc}: documents ${doc.title}, expected ${spec.tfType}`);
        }
        const { top, pulumiId } = bridgeResource(doc);
        const types = new Map();
        declareTypes(spec.className, top, types, spec.tfType);
        return { ...spec, token: resourceToken(spec), description: doc.description, top, pulumiId, types };
    });
    return { provider, resources };
}

/** Returns a Map relative path -> file content for the whole generated package. */
function generate(schemaDir) {
    const model = buildModel(schemaDir);
    const files = new Map();
    files.set("schema.json", schemaJson(model));
    files.set("utilities.ts", genUtilities());
    files.set("provider.ts", genProviderFile(model));
    for (const r of model.resources) {
        files.set(`${r.fileName}.ts`, genResourceFile(r));
    }
    files.set("types/input.ts", genTypesFile(model, true));
    files.set("types/output.ts", genTypesFile(model, false));
    files.set("types/index.ts", genTypesIndex());
    files.set("index.ts", genIndex(model));
    const tsFiles = [...files.keys()].filter((f) => f.endsWith(".ts")).sort();
    files.set("tsconfig.json", genTsconfig(tsFiles));
    files.set("package.json", genPackageJson());
    files.set("README.md", genReadme(model));
    return new Map([...files.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

function writeFiles(outDir, files) {
    for (const [rel, content] of files) {
        const target = path.join(outDir, rel);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
}

function parseArgs(argv) {
    let schemaDir = path.resolve(REPO_ROOT, "..", "shared", "provider-schema");
    let outDir = path.join(REPO_ROOT, "sdks", "libvirt");
    const rest = [...argv];
    while (rest.length > 0) {
        const a = rest.shift();
        if (a === "--out") {
            const v = rest.shift();
            if (!v) throw new Error("--out needs a directory");
            outDir = path.resolve(v);
        } else if (a === "-h" || a === "--help") {
            return { help: true };
        } else if (a.startsWith("-")) {
            throw new Error(`unknown option ${a}`);
        } else {
            schemaDir = path.resolve(a);
        }
    }
    return { schemaDir, outDir };
}

function main() {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
        process.stdout.write("usage: node scripts/gen-libvirt-sdk.js [schemaDocsDir] [--out dir]\n");
        return;
    }
    const files = generate(args.schemaDir);
    writeFiles(args.outDir, files);
    process.stdout.write(`wrote ${files.size} files to ${path.relative(process.cwd(), args.outDir) || "."}\n`);
}

module.exports = { generate, pluralize, singularize, terraformToPulumiName, parseDoc, parameterValue, resourceToken, PACKAGE, RESOURCES };

if (require.main === module) {
    try {
        main();
    } catch (err) {
        process.stderr.write(`gen-libvirt-sdk: ${err && err.message ? err.message : err}\n`);
        process.exit(1);
    }
}
