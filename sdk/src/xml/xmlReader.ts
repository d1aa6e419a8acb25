import { XMLParser, XMLValidator } from "fast-xml-parser";

/**
 * One element of a document read by {@link readXml}: its tag, attributes, child elements in
 * document order and the text directly inside it. Attributes are a Map and children a list, so
 * an element or attribute named like an `Object.prototype` member (`constructor`, `__proto__`,
 * `toString`) is read as any other name and nothing inherited is ever read.
 */
export interface XmlNode {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly elements: readonly XmlNode[];
  /** The trimmed text directly inside the element, undefined when it holds no text (`<model fallback='forbid'/>`). */
  readonly text: string | undefined;
}

/** A document that cannot be read: empty, not well-formed, with a DOCTYPE or entity declarations, or without one root element. */
export class XmlReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlReadError";
  }
}

// fast-xml-parser refuses (throws on) or renames tags named like Object.prototype members; a
// tag is escaped to a name no XML tag can have (none starts with "#"), and unescaped below.
const ESCAPED = "#tag:";
const escapeTag = (name: string): string => (name in Object.prototype || name === "prototype" ? ESCAPED + name : name);
const unescapeTag = (name: string): string => (name.startsWith(ESCAPED) ? name.slice(ESCAPED.length) : name);
const ATTRIBUTES = ":@";
const TEXT = "#text";

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  // prefixed, so no attribute key is an Object.prototype member either
  attributeNamePrefix: "@",
  // Keep every value a string: ids like "0x3b" or "08" must not be guessed at by the parser.
  parseTagValue: false,
  parseAttributeValue: false,
  transformTagName: escapeTag,
});

type Ordered = Record<string, unknown>;

/**
 * Reads one XML document (`virsh capabilities`, `virsh nodedev-dumpxml`, a domain) and returns
 * its root element. A DOCTYPE or entity declaration is refused rather than expanded: libvirt
 * writes none, and expanding them would let a hundred bytes become gigabytes.
 * @param what names the document in errors, e.g. `capabilities document` or `nodedev document 3`
 * @throws XmlReadError naming `what`
 */
export function readXml(xml: string, what: string): XmlNode {
  if (typeof xml !== "string" || xml.trim() === "") throw new XmlReadError(`${what} is empty`);
  if (declaresDoctype(xml)) {
    throw new XmlReadError(`${what} has a DOCTYPE or entity declaration; libvirt writes none, and virtkit expands no entities`);
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlReadError(`${what} is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const top = (parser.parse(xml) as Ordered[]).filter((n) => tagOf(n) !== undefined);
  if (top.length !== 1) throw new XmlReadError(`${what} has ${top.length} root elements, expected one`);
  return toNode(top[0]);
}

/** Whether the document declares a DOCTYPE or entities outside comments and CDATA sections. */
function declaresDoctype(xml: string): boolean {
  const markup = xml.replace(/<!--[\s\S]*?-->/g, "").replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
  return /<!(DOCTYPE|ENTITY)\b/i.test(markup);
}

/** The tag of an ordered-tree entry, undefined for text, comments and processing instructions. */
function tagOf(entry: Ordered): string | undefined {
  return Object.keys(entry).find((k) => k !== ATTRIBUTES && k !== TEXT && !k.startsWith("?"));
}

function toNode(entry: Ordered): XmlNode {
  const tag = tagOf(entry)!;
  const attributes = new Map<string, string>();
  const raw = entry[ATTRIBUTES];
  if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw)) if (typeof v === "string") attributes.set(k.slice(1), v);
  }
  const elements: XmlNode[] = [];
  let text: string | undefined;
  for (const part of entry[tag] as Ordered[]) {
    if (Object.hasOwn(part, TEXT)) text = (text ?? "") + String(part[TEXT]);
    else if (tagOf(part) !== undefined) elements.push(toNode(part));
  }
  return { name: unescapeTag(tag), attributes, elements, text: text?.trim() };
}

/** An element with no attributes, children or text (what an absent optional element reads as). */
export function emptyElement(name: string): XmlNode {
  return { name, attributes: new Map(), elements: [], text: undefined };
}

/** Child elements with the given tag, in document order. */
export function children(el: XmlNode | undefined, tag: string): XmlNode[] {
  return el ? el.elements.filter((e) => e.name === tag) : [];
}

/** The first child element with the given tag. */
export function child(el: XmlNode | undefined, tag: string): XmlNode | undefined {
  return el?.elements.find((e) => e.name === tag);
}

/** An attribute's value, undefined when absent. */
export function attr(el: XmlNode | undefined, name: string): string | undefined {
  return el?.attributes.get(name);
}

/** The trimmed text directly inside an element; undefined when there is no element or it holds no text. */
export function text(el: XmlNode | undefined): string | undefined {
  return el?.text;
}

/** Tags of an element's children, each once, in order of first appearance. */
export function childNames(el: XmlNode | undefined): string[] {
  return [...new Set(el?.elements.map((e) => e.name) ?? [])];
}

/** Names of an element's attributes, in document order. */
export function attrNames(el: XmlNode | undefined): string[] {
  return [...(el?.attributes.keys() ?? [])];
}
