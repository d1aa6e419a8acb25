import { XMLBuilder, XMLParser } from "fast-xml-parser";

/**
 * A small typed element tree, serialised by fast-xml-parser. Renderers build trees;
 * nothing concatenates XML text, so every attribute and text value is escaped by
 * the library.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text?: string;
}

type AttrValue = string | number | boolean | undefined;
type Child = XmlElement | undefined | false | null | "";

/** Builds an element; undefined attributes and falsy children are left out, so optional parts read naturally. */
export function el(name: string, attrs: Record<string, AttrValue> = {}, ...children: (Child | Child[])[]): XmlElement {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    kept[k] = typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
  }
  const flat = children.flat().filter((c): c is XmlElement => !!c);
  return { name, attrs: kept, children: flat };
}

/** An element holding only text, e.g. `<name>db</name>`. */
export function textEl(name: string, text: string | number, attrs: Record<string, AttrValue> = {}): XmlElement {
  return { ...el(name, attrs), text: String(text) };
}

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  processEntities: true,
});

type Ordered = Record<string, unknown>;

function toOrdered(e: XmlElement): Ordered {
  const node: Ordered = {};
  const body: Ordered[] = e.children.map(toOrdered);
  if (e.text !== undefined) body.unshift({ "#text": e.text });
  node[e.name] = body;
  if (Object.keys(e.attrs).length) {
    node[":@"] = Object.fromEntries(Object.entries(e.attrs).map(([k, v]) => [`@_${k}`, v]));
  }
  return node;
}

/** Serialises a tree as an XML document (no declaration, as `virsh dumpxml` prints). */
export function toXml(root: XmlElement): string {
  return (builder.build([toOrdered(root)]) as string).trim() + "\n";
}

/** Parser for libvirt XML read back from virsh: attributes as `@_name`, repeated elements always arrays where asked. */
export function parseXml(xml: string, arrays: readonly string[] = []): Record<string, unknown> {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => arrays.includes(name),
  });
  return parser.parse(xml, true) as Record<string, unknown>;
}

const plainBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: true, indentBy: "  ", suppressEmptyNode: true });

/** Serialises a document read by {@link parseXml} (order of unlike siblings may change; libvirt does not mind). */
export function buildXml(doc: Record<string, unknown>): string {
  return plainBuilder.build(doc) as string;
}
