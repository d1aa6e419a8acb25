import * as pulumi from "@pulumi/pulumi";
import {
    attributeAt,
    flattenPaths,
    leafFits,
    loadProviderSchema,
    schemaProblems,
} from "../support/providerSchema";

describe("attributeAt", () => {
    it("finds a nested list element property by its Pulumi path", () => {
        expect(attributeAt("libvirt_domain", "cpuTune.vcpuPins[].cpuSet")).toEqual({
            tfName: "cpu_set",
            kind: "string",
            required: true,
            readOnly: false,
        });
    });

    it("returns the list attribute itself without brackets", () => {
        const pins = attributeAt("libvirt_domain", "cpuTune.vcpuPins");
        expect(pins?.tfName).toBe("vcpu_pin");
        expect(pins?.kind).toBe("list");
        expect(pins?.element).toBe("object");
    });

    it("returns the element of a list when the path ends in []", () => {
        expect(attributeAt("libvirt_domain", "os.initArgs[]")).toMatchObject({ tfName: "init_args", kind: "string" });
        expect(attributeAt("libvirt_domain", "cpuTune.vcpuPins[]")?.kind).toBe("object");
    });

    it("rejects stepping into a list without []", () => {
        expect(attributeAt("libvirt_domain", "cpuTune.vcpuPins.cpuSet")).toBeUndefined();
    });

    it("rejects [] on something that is not a list", () => {
        expect(attributeAt("libvirt_domain", "cpuTune.emulatorPin[].cpuSet")).toBeUndefined();
        expect(attributeAt("libvirt_domain", "memory[]")).toBeUndefined();
    });

    it("rejects Terraform names and unknown properties", () => {
        expect(attributeAt("libvirt_domain", "cpu_tune.vcpu_pin[].cpu_set")).toBeUndefined();
        expect(attributeAt("libvirt_domain", "cpuTune.vcpuPin[].cpuSet")).toBeUndefined();
        expect(attributeAt("libvirt_domain", "cpuTune.vcpuPins[].cpuSet.extra")).toBeUndefined();
        expect(attributeAt("libvirt_domain", "")).toBeUndefined();
        expect(attributeAt("libvirt_domain", "constructor")).toBeUndefined();
    });

    it("finds top-level read-only outputs but not the id", () => {
        expect(attributeAt("libvirt_domain", "uuid")).toMatchObject({ kind: "string", readOnly: true });
        expect(attributeAt("libvirt_domain", "id")).toBeUndefined();
        // the domain's Terraform id is a number: the bridge renames it so the Pulumi id keeps its name
        expect(attributeAt("libvirt_domain", "domainId")).toEqual({ tfName: "id", kind: "number", required: false, readOnly: true });
        expect(attributeAt("libvirt_volume", "path")).toMatchObject({ readOnly: true });
        expect(attributeAt("libvirt_volume", "id")).toBeUndefined();
    });

    it("reads every resource's schema from the committed schema.json", () => {
        expect(Object.keys(loadProviderSchema().resources).sort()).toEqual([
            "libvirt_cloudinit_disk",
            "libvirt_combustion",
            "libvirt_domain",
            "libvirt_ignition",
            "libvirt_network",
            "libvirt_pool",
            "libvirt_volume",
        ]);
    });
});

describe("flattenPaths", () => {
    it("lists leaves with [] for array elements, sorted and de-duplicated", () => {
        expect(
            flattenPaths({
                type: "kvm",
                vcpu: 4,
                running: true,
                cpuTune: { vcpuPins: [{ vcpu: 0, cpuSet: "2" }, { vcpu: 1, cpuSet: "3" }], emulatorPin: { cpuSet: "0" } },
                os: { initArgs: ["a", "b"] },
            }),
        ).toEqual([
            { path: "cpuTune.emulatorPin.cpuSet", jsType: "string" },
            { path: "cpuTune.vcpuPins[].cpuSet", jsType: "string" },
            { path: "cpuTune.vcpuPins[].vcpu", jsType: "number" },
            { path: "os.initArgs[]", jsType: "string" },
            { path: "running", jsType: "boolean" },
            { path: "type", jsType: "string" },
            { path: "vcpu", jsType: "number" },
        ]);
    });

    it("skips undefined and null, and reports empty arrays and objects as leaves", () => {
        expect(flattenPaths({ a: undefined, b: null, c: [], d: {}, e: { f: undefined } })).toEqual([
            { path: "c", jsType: "array" },
            { path: "d", jsType: "object" },
            { path: "e", jsType: "object" },
        ]);
    });

    it("treats Pulumi outputs as opaque leaves", () => {
        expect(flattenPaths({ backingStore: { path: pulumi.output("/var/lib/x.qcow2") } })).toEqual([
            { path: "backingStore.path", jsType: "output" },
        ]);
    });

    it("refuses a path that holds two types", () => {
        expect(() => flattenPaths({ xs: ["a", 1] })).toThrow(/xs\[\] holds both string and number/);
    });

    it("refuses a non-object root", () => {
        expect(() => flattenPaths("kvm")).toThrow(/needs an object/);
    });
});

describe("leafFits", () => {
    it("matches scalars by kind, arrays to lists and objects to objects", () => {
        const str = attributeAt("libvirt_domain", "type")!;
        expect(leafFits(str, "string")).toBe(true);
        expect(leafFits(str, "number")).toBe(false);
        expect(leafFits(attributeAt("libvirt_domain", "cpuTune.vcpuPins")!, "array")).toBe(true);
        expect(leafFits(attributeAt("libvirt_domain", "cpuTune")!, "object")).toBe(true);
        expect(leafFits(attributeAt("libvirt_domain", "cpuTune")!, "array")).toBe(false);
        expect(leafFits(str, "output")).toBe(true);
    });
});

describe("schemaProblems", () => {
    it("is empty for args that fit the domain schema", () => {
        expect(
            schemaProblems("libvirt_domain", {
                name: "db",
                type: "kvm",
                memoryBacking: { memoryHugePages: { hugepages: [{ size: 1, unit: "GiB", nodeset: "0" }] } },
                numaTune: { memNodes: [{ cellId: 0, mode: "strict", nodeset: "0" }] },
            }),
        ).toEqual([]);
    });

    it("names unknown paths, wrong types and read-only properties", () => {
        expect(
            schemaProblems("libvirt_domain", {
                type: "kvm",
                vcpu: "4",
                uuid: "0000",
                cpuTune: { vcpuPin: [{ vcpu: 0, cpuSet: "2" }] },
            }),
        ).toEqual([
            "libvirt_domain: cpuTune.vcpuPin[].cpuSet is not in the schema",
            "libvirt_domain: cpuTune.vcpuPin[].vcpu is not in the schema",
            "libvirt_domain: uuid is read-only",
            "libvirt_domain: vcpu is a string, the schema says number",
        ]);
    });

    it("flags a nested read-only attribute such as a volume's target path", () => {
        expect(schemaProblems("libvirt_volume", { pool: "default", target: { path: "/x.qcow2", format: { type: "qcow2" } } })).toEqual([
            "libvirt_volume: target.path is read-only",
        ]);
    });

    it("names required properties missing at the top and in every block the args pass", () => {
        expect(
            schemaProblems("libvirt_domain", {
                cpu: { numa: { cells: [{ cpus: "0-3", memory: 4 }, { cpus: "4-7" }] } },
                cpuTune: { vcpuPins: [{ vcpu: 0 }], emulatorPin: pulumi.output({}) },
            }),
        ).toEqual([
            "libvirt_domain: cpu.numa.cells[].memory is required and missing",
            "libvirt_domain: cpuTune.vcpuPins[].cpuSet is required and missing",
            "libvirt_domain: type is required and missing",
        ]);
        // an auto-named name is not required; blocks the args leave out are not looked into
        expect(schemaProblems("libvirt_volume", { pool: "default" })).toEqual([]);
    });
});
