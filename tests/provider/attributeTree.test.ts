/**
 * The join behind sdks/libvirt/schema.json (scripts/gen-libvirt-sdk.d/attributeTree.js): the
 * bridge's mapping of the Terraform provider against the Pulumi package schema, on small
 * hand-made inputs. The real inputs are joined by scripts/gen-libvirt-sdk, whose output
 * tests/e2e/bindingDrift.e2e.test.ts compares with the committed binding.
 */
import { join } from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tree = require(join(__dirname, "..", "..", "scripts", "gen-libvirt-sdk.d", "attributeTree.js")) as {
    attributeTree(mapping: unknown, schema: unknown): Record<string, any>;
    render(tree: unknown): string;
    camelCase(s: string): string;
    isPluralOf(plural: string, word: string): boolean;
};

const PARAMETER = Buffer.from(JSON.stringify({ remote: { url: "registry.opentofu.org/acme/thing", version: "1.0.0" } })).toString("base64");

/** A provider with one resource, `thing_box`, in the shapes the bridge gives a plugin-framework provider. */
function inputs() {
    const mapping = {
        name: "thing",
        version: "1.0.0",
        provider: {
            schema: { uri: { type: 4, optional: true } },
            resources: {
                thing_box: {
                    id: { type: 3, computed: true },
                    name: { type: 4, required: true },
                    uuid: { type: 4, computed: true },
                    io_thread_i_ds: { type: 5, optional: true, element: { schema: { type: 3 } } },
                    vcpu_pin: {
                        type: 5,
                        optional: true,
                        element: { resource: { cpu_set: { type: 4, required: true }, vcpu: { type: 3, required: true } } },
                    },
                    entry: { type: 7, optional: true, element: { resource: { key: { type: 4, optional: true, sensitive: true } } } },
                    cpu_tune: { type: 6, optional: true, element: { resource: { shares: { type: 3, optional: true } } } },
                    address: { type: 6, optional: true, element: {} },
                    labels: { type: 6, optional: true, element: { schema: { type: 4 } } },
                    running: { type: 1, optional: true, computed: true },
                },
            },
        },
        resources: {
            thing_box: {
                tok: "thing:index/box:Box",
                fields: { id: { name: "boxId", typeomitempty: "" }, name: { name: "name", default: { autonamed: true, isFunc: true } } },
            },
        },
    };
    const types = {
        "thing:index/BoxVcpuPin:BoxVcpuPin": { type: "object", properties: { cpuSet: { type: "string" }, vcpu: { type: "number" } }, required: ["cpuSet", "vcpu"] },
        "thing:index/BoxEntry:BoxEntry": { type: "object", properties: { key: { type: "string", secret: true } } },
        "thing:index/BoxCpuTune:BoxCpuTune": { type: "object", properties: { shares: { type: "number" } } },
        "thing:index/BoxAddress:BoxAddress": { type: "object" },
    };
    const props = {
        name: { type: "string" },
        ioThreadIDs: { type: "array", items: { type: "number" } },
        vcpuPins: { type: "array", items: { $ref: "#/types/thing:index/BoxVcpuPin:BoxVcpuPin" } },
        entries: { type: "array", items: { $ref: "#/types/thing:index/BoxEntry:BoxEntry" } },
        cpuTune: { $ref: "#/types/thing:index/BoxCpuTune:BoxCpuTune" },
        address: { $ref: "#/types/thing:index/BoxAddress:BoxAddress" },
        labels: { type: "object", additionalProperties: { type: "string" } },
        running: { type: "boolean" },
    };
    const schema: Record<string, any> = {
        name: "thing",
        version: "1.0.0",
        types,
        provider: { inputProperties: { uri: { type: "string" } } },
        resources: {
            "thing:index/box:Box": {
                properties: { ...props, boxId: { type: "number" }, uuid: { type: "string" } },
                inputProperties: props,
                requiredInputs: [],
            },
        },
        parameterization: { baseProvider: { name: "terraform-provider", version: "1.2.0" }, parameter: PARAMETER },
    };
    return { mapping, schema };
}

const join1 = () => {
    const { mapping, schema } = inputs();
    return tree.attributeTree(mapping, schema);
};

describe("the attribute tree of a bridged provider", () => {
    it("pairs Terraform names with the Pulumi names: overrides, camelCase, plurals of lists and sets", () => {
        const box = join1().resources.thing_box;
        expect(Object.keys(box.inputs).sort()).toEqual(["address", "cpuTune", "entries", "ioThreadIDs", "labels", "name", "running", "vcpuPins"]);
        expect(Object.keys(box.outputs).sort()).toEqual(["boxId", "uuid"]);
        expect(box.outputs.boxId).toEqual({ tfName: "id", kind: "number", required: false, readOnly: true });
        expect(box.inputs.vcpuPins).toEqual({
            tfName: "vcpu_pin",
            kind: "list",
            element: "object",
            required: false,
            readOnly: false,
            properties: {
                cpuSet: { tfName: "cpu_set", kind: "string", required: true, readOnly: false },
                vcpu: { tfName: "vcpu", kind: "number", required: true, readOnly: false },
            },
        });
        expect(box.inputs.entries).toMatchObject({ tfName: "entry", kind: "set", element: "object", properties: { key: { secret: true } } });
        expect(box.inputs.ioThreadIDs).toEqual({ tfName: "io_thread_i_ds", kind: "list", element: "number", required: false, readOnly: false });
    });

    it("makes single nested blocks objects, maps maps, and an empty block an object without properties", () => {
        const box = join1().resources.thing_box;
        expect(box.inputs.cpuTune).toEqual({
            tfName: "cpu_tune",
            kind: "object",
            required: false,
            readOnly: false,
            properties: { shares: { tfName: "shares", kind: "number", required: false, readOnly: false } },
        });
        expect(box.inputs.address).toEqual({ tfName: "address", kind: "object", required: false, readOnly: false });
        expect(box.inputs.labels).toEqual({ tfName: "labels", kind: "map", element: "string", required: false, readOnly: false });
    });

    it("marks computed-only attributes read-only, but not computed ones a program may set", () => {
        const box = join1().resources.thing_box;
        expect(box.outputs.uuid.readOnly).toBe(true);
        expect(box.inputs.running).toMatchObject({ readOnly: false, required: false });
    });

    it("takes an auto-named name as optional, and the provider's configuration as the provider's inputs", () => {
        const t = join1();
        expect(t.resources.thing_box.inputs.name).toEqual({ tfName: "name", kind: "string", required: false, readOnly: false, autoNamed: true });
        expect(t.provider).toEqual({ token: "pulumi:providers:thing", inputs: { uri: { tfName: "uri", kind: "string", required: false, readOnly: false } } });
        expect(t.source).toBe("terraform-provider 1.2.0 parameterized with registry.opentofu.org/acme/thing 1.0.0 (pulumi package get-mapping, get-schema)");
    });

    it("writes keys sorted at every level, whatever order its inputs come in", () => {
        const text = tree.render(join1());
        const { mapping, schema } = inputs();
        const box = schema.resources["thing:index/box:Box"];
        box.inputProperties = Object.fromEntries(Object.entries(box.inputProperties).reverse());
        mapping.provider.resources.thing_box = Object.fromEntries(Object.entries(mapping.provider.resources.thing_box).reverse()) as typeof mapping.provider.resources.thing_box;
        expect(tree.render(tree.attributeTree(mapping, schema))).toBe(text);
        const keys: string[][] = [];
        JSON.parse(text, function (this: unknown, _k, v) {
            if (v !== null && typeof v === "object" && !Array.isArray(v)) keys.push(Object.keys(v));
            return v;
        });
        for (const k of keys) expect(k).toEqual([...k].sort());
    });
});

describe("the join fails loudly", () => {
    const fails = (edit: (m: any, s: any) => void, message: RegExp) => {
        const { mapping, schema } = inputs();
        edit(mapping, schema);
        expect(() => tree.attributeTree(mapping, schema)).toThrow(message);
    };
    const box = (s: any) => s.resources["thing:index/box:Box"];

    it("on a Pulumi property no Terraform attribute pairs with", () => {
        fails((_m, s) => (box(s).inputProperties.extra = { type: "string" }), /thing_box\.: the join is not a bijection: .*Pulumi properties without a Terraform attribute: \[extra\]/);
    });

    it("on a Terraform attribute no Pulumi property pairs with, nested too", () => {
        fails(
            (m) => (m.provider.resources.thing_box.vcpu_pin.element.resource.weight = { type: 3, optional: true }),
            /thing_box\.vcpu_pin\.: the join is not a bijection: Terraform attributes without a Pulumi property: \[weight\]/,
        );
    });

    it("on a scalar whose Pulumi name is not its camelCase (no plural for scalars)", () => {
        fails(
            (_m, s) => {
                for (const props of [box(s).properties, box(s).inputProperties]) {
                    delete props.running;
                    props.runnings = { type: "boolean" };
                }
            },
            /Terraform attributes without a Pulumi property: \[running\]; Pulumi properties without a Terraform attribute: \[runnings\]/,
        );
    });

    it("on an override naming a property the Pulumi schema does not have", () => {
        fails((m) => (m.resources.thing_box.fields.uuid = { name: "theUuid" }), /thing_box\.: the mapping renames uuid to theUuid/);
    });

    it("on an override it does not model", () => {
        fails((m) => (m.resources.thing_box.fields.vcpu_pin = { maxItemsOne: true }), /thing_box\.vcpu_pin: the mapping's field override has "maxItemsOne"/);
    });

    it("on types that disagree", () => {
        fails((_m, s) => (box(s).inputProperties.running = { type: "string" }), /thing_box\.running: Terraform says boolean, Pulumi's running is string/);
        fails((m) => (m.provider.resources.thing_box.cpu_tune.type = 5), /thing_box\.cpu_tune: Terraform says list of object, Pulumi's cpuTune is object/);
    });

    it("on required or secret flags that disagree", () => {
        fails((_m, s) => (s.types["thing:index/BoxVcpuPin:BoxVcpuPin"].required = ["cpuSet"]), /thing_box\.vcpu_pin\.: required in Terraform: \[cpuSet, vcpu\], in Pulumi: \[cpuSet\]/);
        fails((_m, s) => delete s.types["thing:index/BoxEntry:BoxEntry"].properties.key.secret, /thing_box\.entry\.key: sensitive in Terraform: true, secret in Pulumi: false/);
    });

    it("on a read-only attribute the Pulumi schema takes as an input", () => {
        fails((_m, s) => (box(s).inputProperties.uuid = { type: "string" }), /thing_box\.uuid: read-only true, but an input/);
    });

    it("on an unknown Terraform type code", () => {
        fails((m) => (m.provider.resources.thing_box.uuid.type = 9), /thing_box\.uuid: type 9 without an element/);
    });
});

describe("naming helpers", () => {
    it.each([
        ["io_thread_i_ds", "ioThreadIDs"],
        ["subsys_m_dev", "subsysMDev"],
        ["vcpu_pin", "vcpuPin"],
        ["uri", "uri"],
    ])("camel-cases %s as %s", (tf, name) => expect(tree.camelCase(tf)).toBe(name));

    it.each([
        ["vcpuPins", "vcpuPin", true],
        ["entries", "entry", true],
        ["addresses", "address", true],
        ["memories", "memory", true],
        ["vcpuPin", "vcpuPin", false],
        ["keys", "key", true],
        ["keies", "key", false],
        ["cells", "cellId", false],
    ] as const)("%s is a plural of %s: %s", (plural, word, yes) => expect(tree.isPluralOf(plural, word)).toBe(yes));
});
