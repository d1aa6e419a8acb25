import { attr, attrNames, child, childNames, children, readXml, text, XmlReadError } from "../../sdk/src/xml/xmlReader";

describe("readXml: the one XML reader", () => {
  it("reads the root, attributes, children in order and trimmed text", () => {
    const root = readXml("<?xml version='1.0'?>\n<!-- libvirt -->\n<cell id='0'><cpus num='2'><cpu id='0'/><cpu id='1'/></cpus><memory unit='KiB'> 1024 </memory></cell>", "doc");
    expect(root.name).toBe("cell");
    expect(attr(root, "id")).toBe("0");
    expect(children(child(root, "cpus"), "cpu").map((c) => attr(c, "id"))).toEqual(["0", "1"]);
    expect(text(child(root, "memory"))).toBe("1024");
    expect(childNames(root)).toEqual(["cpus", "memory"]);
    expect(attrNames(child(root, "cpus"))).toEqual(["num"]);
  });

  it("keeps values as written: no number guessing, standard entities decoded", () => {
    const root = readXml("<a bus='0x3b' id='08'>&lt;b&gt; &amp; c</a>", "doc");
    expect(attr(root, "bus")).toBe("0x3b");
    expect(attr(root, "id")).toBe("08");
    expect(text(root)).toBe("<b> & c");
  });

  it("says an element without text holds none", () => {
    expect(text(child(readXml("<a><model fallback='forbid'/></a>", "doc"), "model"))).toBeUndefined();
    expect(text(undefined)).toBeUndefined();
  });

  it.each([
    ["a DOCTYPE", "<!DOCTYPE capabilities><capabilities/>"],
    ["an internal entity", '<!DOCTYPE c [<!ENTITY a "aaaaaaaaaa">]><c>&a;&a;</c>'],
    ["nested entities (billion laughs)", '<!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><c>&b;</c>'],
    ["an external entity", '<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><c>&x;</c>'],
    ["a lower-case doctype", "<!doctype c><c/>"],
  ])("refuses %s rather than expand it", (_label, xml) => {
    expect(() => readXml(xml, "capabilities document")).toThrow(
      new XmlReadError("capabilities document has a DOCTYPE or entity declaration; libvirt writes none, and virtkit expands no entities"),
    );
  });

  it("is not fooled by the words inside a comment or CDATA", () => {
    expect(text(readXml("<!-- <!DOCTYPE x> --><a><![CDATA[<!ENTITY y>]]></a>", "doc"))).toBe("<!ENTITY y>");
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype", "__defineGetter__"])(
    "reads an element and an attribute named %s as any other name",
    (name) => {
      const root = readXml(`<a ${name}='attr'><${name} id='1'>one</${name}><${name} id='2'/><b/></a>`, "doc");
      expect(childNames(root)).toEqual([name, "b"]);
      expect(children(root, name).map((e) => attr(e, "id"))).toEqual(["1", "2"]);
      expect(text(child(root, name))).toBe("one");
      expect(attr(root, name)).toBe("attr");
      expect(attrNames(root)).toEqual([name]);
    },
  );

  it("never reads an inherited member where the document has nothing", () => {
    const root = readXml("<a><b/></a>", "doc");
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(child(root, name)).toBeUndefined();
      expect(children(root, name)).toEqual([]);
      expect(attr(root, name)).toBeUndefined();
    }
  });

  it.each([
    ["empty", "  ", "doc is empty"],
    ["not well-formed", "<a><b></a>", /^doc is not well-formed XML \(line 1: /],
  ])("refuses a document that is %s, naming it", (_label, xml, message) => {
    expect(() => readXml(xml, "doc")).toThrow(XmlReadError);
    expect(() => readXml(xml, "doc")).toThrow(message);
  });
});
