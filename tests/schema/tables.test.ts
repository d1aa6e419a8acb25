import { libvirtUnitBytes } from "../../sdk/src/schema/units";
import { PAGE_SIZES, pageSizeName } from "../../sdk/src/schema/memory";
import { nameBasedUuid } from "../../sdk/src/schema/uuid";

describe("libvirt units (one table for capabilities, nodedev and domain XML)", () => {
  it("read IEC and single-letter units as powers of 1024, SI names as powers of 1000, in any case", () => {
    expect(libvirtUnitBytes("KiB")).toBe(1024);
    expect(libvirtUnitBytes("k")).toBe(1024);
    expect(libvirtUnitBytes("G")).toBe(1024 ** 3);
    expect(libvirtUnitBytes("MB")).toBe(1000 ** 2);
    expect(libvirtUnitBytes("bytes")).toBe(1);
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "", "KiBB"])("know no unit %j", (unit) => {
    expect(libvirtUnitBytes(unit)).toBeUndefined();
  });
});

describe("hugepage sizes (one table)", () => {
  it("map names to bytes and back", () => {
    expect(PAGE_SIZES["2MiB"]).toBe(2 * 1024 ** 2);
    expect(PAGE_SIZES["1GiB"]).toBe(1024 ** 3);
    expect(pageSizeName(2 * 1024 ** 2)).toBe("2MiB");
    expect(pageSizeName(1024 ** 3)).toBe("1GiB");
    expect(pageSizeName(4096)).toBeUndefined();
  });

  it("hold no inherited members: a page size named like an Object.prototype member is none", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(name in PAGE_SIZES).toBe(false);
      expect((PAGE_SIZES as Record<string, unknown>)[name]).toBeUndefined();
    }
  });
});

describe("name-based UUIDs (one helper for LUKS secrets and OVS ports)", () => {
  it("give what both former helpers gave, so existing secrets and ports keep their identity", () => {
    // values of the former ovsInterfaceId("db", 0) and ("web-1", 3), and stableUuid("hv1/default/data") and ("x")
    expect(nameBasedUuid("virtkit/ovs/db/nics[0]")).toBe("c495ae98-1aa9-5cb8-9339-45030305ac06");
    expect(nameBasedUuid("virtkit/ovs/web-1/nics[3]")).toBe("e5f85077-f715-5c4d-97b9-e2521715e2d7");
    expect(nameBasedUuid("virtkit-luks:hv1/default/data")).toBe("8c0bb192-d54b-51da-bfbc-a7a3f617679d");
    expect(nameBasedUuid("virtkit-luks:x")).toBe("c9ed1bf4-6e69-5ed6-9da0-4f40161a7b1c");
  });

  it("are laid out as version 5, RFC 4122 variant", () => {
    expect(nameBasedUuid("anything")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
