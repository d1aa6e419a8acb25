import { buildHostModel, HostModelError } from "../../sdk/src/host";
import { readFixture, twoSocketNodedevs } from "./fixtures";

const capabilities = readFixture("two-socket", "capabilities.xml");
const devices = twoSocketNodedevs();

/** The same facts with elements and attributes named like Object.prototype members sprinkled in. */
const withPrototypeNames = (xml: string, root: string) =>
  xml
    .replace(`<${root}>`, `<${root}><constructor/><__proto__><cell id='99'/></__proto__><toString>x</toString>`)
    .replace(/<cpu id=/g, "<cpu constructor='1' __proto__='2' id=")
    .replace(/<\/cells>/, "<hasOwnProperty/></cells>");

describe("host facts with names that are Object.prototype members", () => {
  it("read as the same host: unknown elements ignored, nothing inherited read", () => {
    const hostile = withPrototypeNames(capabilities, "capabilities");
    expect(hostile).not.toBe(capabilities);
    expect(buildHostModel(hostile, devices.map((d) => withPrototypeNames(d, "device")))).toEqual(buildHostModel(capabilities, devices));
  });

  it("are refused by their root element, not crashed on", () => {
    expect(() => buildHostModel("<constructor/>")).toThrow(new HostModelError("capabilities document has root element <constructor>, expected <capabilities>"));
    try {
      buildHostModel(capabilities, [devices[0], "<__proto__><name>x</name></__proto__>"]);
      throw new Error("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(HostModelError);
      expect(e).toMatchObject({ source: "devices", index: 1, message: "nodedev document 1 has root element <__proto__>, expected <device>" });
    }
  });

  it("say an unknown unit named like one as an unknown unit", () => {
    const bad = capabilities.replace(/<memory unit='KiB'>/, "<memory unit='constructor'>");
    expect(bad).not.toBe(capabilities);
    expect(() => buildHostModel(bad)).toThrow(/capabilities cell 0 <memory>: unknown unit "constructor"/);
  });
});

describe("host facts with a DOCTYPE or entities", () => {
  const doctype = '<!DOCTYPE capabilities [<!ENTITY cpus "0-63">]>\n';

  it("are refused in the capabilities, as the capabilities' problem", () => {
    expect(() => buildHostModel(doctype + capabilities)).toThrow(
      new HostModelError("capabilities document has a DOCTYPE or entity declaration; libvirt writes none, and virtkit expands no entities"),
    );
  });

  it("are refused in a nodedev document, naming its index", () => {
    try {
      buildHostModel(capabilities, [devices[0], devices[1], '<!DOCTYPE device [<!ENTITY a "aaaa">]>' + devices[2]]);
      throw new Error("accepted");
    } catch (e) {
      expect(e).toMatchObject({ source: "devices", index: 2, message: "nodedev document 2 has a DOCTYPE or entity declaration; libvirt writes none, and virtkit expands no entities" });
    }
  });
});
