import type { VirtkitValidationError } from "../../sdk/src/errors";
import { capabilities, devices, resources, uniq, uniqueUri, useMockedVirtkit, virtkit } from "../support/componentHarness";

useMockedVirtkit();

const doctype = (root: string) => `<!DOCTYPE ${root} [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n`;
const refusal = "has a DOCTYPE or entity declaration; libvirt writes none, and virtkit expands no entities";

/** The VirtkitValidationError a LibvirtHost with these facts throws, or undefined when it accepts them. */
function refusalOf(args: { capabilities: string; devices?: string[] }): VirtkitValidationError | undefined {
  const name = uniq("hostile");
  try {
    new virtkit.LibvirtHost(name, { uri: uniqueUri(), ...args });
  } catch (e) {
    expect(resources.some((r) => r.name === name)).toBe(false);
    if (e instanceof virtkit.VirtkitValidationError) return e;
    throw e;
  }
  return undefined;
}

describe("LibvirtHost facts from a hostile source", () => {
  it("refuses capabilities with a DOCTYPE or entities, naming capabilities", () => {
    const e = refusalOf({ capabilities: doctype("capabilities") + capabilities });
    expect(e?.issues).toEqual([{ path: "capabilities", reason: `capabilities document ${refusal}` }]);
    expect(e?.message).toMatch(/LibvirtHost "hostile\d+"/);
  });

  it("refuses a nodedev document with a DOCTYPE, naming devices[i]", () => {
    const e = refusalOf({ capabilities, devices: [devices[0], doctype("device") + devices[1]] });
    expect(e?.issues).toEqual([{ path: "devices[1]", reason: `nodedev document 1 ${refusal}` }]);
  });

  it("refuses a root element named like an Object.prototype member as the wrong document, not with a crash", () => {
    expect(refusalOf({ capabilities: "<constructor/>" })?.issues).toEqual([{ path: "capabilities", reason: "capabilities document has root element <constructor>, expected <capabilities>" }]);
    expect(refusalOf({ capabilities, devices: ["<__proto__/>"] })?.issues).toEqual([{ path: "devices[0]", reason: "nodedev document 0 has root element <__proto__>, expected <device>" }]);
  });

  it("accepts facts with <constructor/>, <__proto__> and <toString> elements as the same host", () => {
    const odd = capabilities.replace("<host>", "<host><constructor/><__proto__><cpu/></__proto__><toString>x</toString>");
    expect(odd).not.toBe(capabilities);
    expect(refusalOf({ capabilities: odd, devices })).toBeUndefined();
    const plain = new virtkit.LibvirtHost(uniq("plain"), { uri: uniqueUri(), capabilities, devices });
    const hostile = new virtkit.LibvirtHost(uniq("odd"), { uri: uniqueUri(), capabilities: odd, devices: devices.map((d) => d.replace("<device>", "<device><hasOwnProperty/>")) });
    expect(hostile.model).toEqual(plain.model);
  });
});
