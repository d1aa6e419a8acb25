import { DomainImportError, importDomain, scopeFacts } from "../../sdk/src/import";

const minimal = (body: string, head = "") =>
  `${head}<domain type='kvm'><name>m</name><memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>${body}</domain>`;

describe("virtkit import of hostile domain XML", () => {
  it.each([
    ["a DOCTYPE", "<!DOCTYPE domain>"],
    ["entities", '<!DOCTYPE domain [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'],
    ["an external entity", '<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>'],
  ])("refuses %s as a DomainImportError, expanding nothing", (_label, head) => {
    const xml = minimal("", head);
    expect(() => importDomain(xml)).toThrow(DomainImportError);
    expect(() => importDomain(xml)).toThrow("the domain XML has a DOCTYPE or entity declaration; libvirt writes none, and virtkit expands no entities");
    expect(() => scopeFacts(xml)).toThrow(DomainImportError);
  });

  it("refuses XML that is not well-formed as a DomainImportError", () => {
    expect(() => importDomain("<domain type='kvm'><name>m</domain>")).toThrow(DomainImportError);
  });

  it("reads elements named like Object.prototype members as elements it does not know", () => {
    const vm = importDomain(minimal("<constructor/><devices><__proto__ type='x'/><toString/></devices><hasOwnProperty>1</hasOwnProperty>"));
    expect(vm.domainName).toBe("m");
    expect(vm.spec.vcpus).toBe(2);
    expect(vm.spec.memory).toEqual({ size: "1GiB" });
    const lost = vm.notImported.map((n) => n.element);
    expect(lost).toEqual(expect.arrayContaining(["constructor", "hasOwnProperty", "devices/__proto__[x]", "devices/toString"]));
    // not read as a lifecycle event (on_poweroff, ...) through an inherited member
    for (const n of vm.notImported.filter((x) => ["constructor", "hasOwnProperty"].includes(x.element))) expect(n.reason).toBe("not in virtkit's API");
  });

  it("never reads an inherited member for an absent element or attribute", () => {
    // <cpu> has no child named toString and no attribute named constructor: nothing is read for them
    const vm = importDomain(minimal("<cpu mode='host-passthrough'/>"));
    expect(vm.spec.cpu).toEqual({ mode: "host-passthrough" });
    expect(vm.invalid).toEqual([]);
  });

  it("says a memory unit named like an Object.prototype member as no size, not NaN", () => {
    const vm = importDomain(minimal("").replace("<memory unit='KiB'>", "<memory unit='constructor'>"));
    expect(Number.isNaN(vm.spec.memory.size)).toBe(false);
    expect(vm.invalid.map((i) => i.path)).toContain("memory.size");
  });
});
