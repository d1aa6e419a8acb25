import fc from "fast-check";
import { formatCpuset, parseCpuset, MAX_CPU_ID } from "../../sdk/src/schema/cpuset";
import { formatPciAddress, parsePciAddress, pciNodedevName } from "../../sdk/src/schema/pci";
import { formatSize, GiB, MiB, parseSize } from "../../sdk/src/schema/units";

describe("cpusets", () => {
  it("read libvirt's syntax with ranges and exclusions", () => {
    expect(parseCpuset("0-3,^2,8")).toEqual([0, 1, 3, 8]);
    expect(parseCpuset(" 7 , 5-6 ")).toEqual([5, 6, 7]);
  });

  it("format as libvirt prints them", () => {
    expect(formatCpuset([8, 0, 1, 2, 3, 10, 11])).toBe("0-3,8,10-11");
  });

  it("round-trip any set of CPU ids (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: MAX_CPU_ID }), { minLength: 1, maxLength: 64 }), (ids) => {
        expect(parseCpuset(formatCpuset(ids))).toEqual([...ids].sort((a, b) => a - b));
      }),
    );
  });

  it.each(["", "a", "1-", "-1", "3-1", "^2-3", "1,,2", "0,^0"])("refuse %j", (text) => {
    expect(() => parseCpuset(text)).toThrow();
  });
});

describe("sizes", () => {
  it("accept bytes and IEC units", () => {
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize("512MiB")).toBe(512 * MiB);
    expect(parseSize("1 GiB")).toBe(GiB);
  });

  it("format with the largest exact unit and parse back (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (bytes) => {
        expect(parseSize(formatSize(bytes))).toBe(bytes);
      }),
    );
    expect(formatSize(1536 * MiB)).toBe("1536MiB");
  });
});

describe("PCI addresses", () => {
  it("read the host notation with and without a domain", () => {
    expect(parsePciAddress("0000:3b:02.1")).toEqual({ domain: 0, bus: 0x3b, slot: 2, function: 1 });
    expect(parsePciAddress("af:00.0")).toEqual({ domain: 0, bus: 0xaf, slot: 0, function: 0 });
  });

  it("format canonically and as nodedev names", () => {
    const a = parsePciAddress("21:1f.7");
    expect(formatPciAddress(a)).toBe("0000:21:1f.7");
    expect(pciNodedevName(a)).toBe("pci_0000_21_1f_7");
  });
});
