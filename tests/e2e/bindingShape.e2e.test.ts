import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeWithEngine, engineEnv, PulumiProject } from "../support/engine";

/**
 * sdks/libvirt is made by scripts/gen-libvirt-sdk.js, a port of the bridge's naming rules,
 * because the Go module proxy here does not serve provider 0.9.7, so Pulumi's own tools
 * cannot generate it. The real tools can generate the package for the version the proxy
 * does serve (the reference provider, 0.8.3): the rules the port claims to follow are checked
 * against what the real bridge and `pulumi package add` make of it.
 */
const repo = join(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require(join(repo, "scripts", "gen-libvirt-sdk.js")) as {
  terraformToPulumiName(name: string, siblings: Map<string, { kind: string }>): string;
  singularize(word: string): string;
  resourceToken(r: { fileName: string; className: string }): string;
  RESOURCES: readonly { tfType: string; className: string; fileName: string }[];
  PACKAGE: { name: string; version: string; baseProviderName: string; baseProviderVersion: string; registryUrl: string };
};
const ourPackage = JSON.parse(readFileSync(join(repo, "sdks", "libvirt", "package.json"), "utf8"));

/** An SDKv2 attribute in the bridge's mapping: 5 list, 6 set, 7 map; `element.resource` holds a block's attributes. */
interface TfAttr {
  type: number;
  maxItems?: number;
  element?: { resource?: Record<string, TfAttr> };
}
interface PulumiProperty {
  $ref?: string;
  items?: { $ref?: string };
}
interface PulumiSchema {
  resources: Record<string, { inputProperties?: Record<string, PulumiProperty>; properties?: Record<string, PulumiProperty> }>;
  types: Record<string, { properties?: Record<string, PulumiProperty> }>;
  parameterization?: { baseProvider: { name: string; version: string }; parameter: string };
}

const reference = (): string => {
  const env = engineEnv();
  return typeof env === "string" ? "" : (env.VIRTKIT_LIBVIRT_REFERENCE_VERSION ?? "");
};

describeWithEngine("the binding's shape against Pulumi's own tools (reference provider)", () => {
  let project: PulumiProject;
  let mapping: { provider: { resources: Record<string, Record<string, TfAttr>> } };
  let schema: PulumiSchema;
  const version = reference();

  beforeAll(() => {
    if (!version) throw new Error("scripts/engine built no reference provider (VIRTKIT_LIBVIRT_REFERENCE_VERSION is empty)");
    // package.json: `pulumi package add` links the generated SDK into it
    project = new PulumiProject("binding-shape", { "index.ts": "export {};\n", "package.json": JSON.stringify({ name: "binding-shape", private: true }) });
    const mappingFile = join(project.dir, "mapping.json");
    project.ok("package", "get-mapping", "terraform", "terraform-provider", "libvirt", "dmacvicar/libvirt", version, "--out", mappingFile);
    mapping = JSON.parse(readFileSync(mappingFile, "utf8"));
    schema = JSON.parse(project.ok("package", "get-schema", "terraform-provider", "dmacvicar/libvirt", version).stdout);
  }, 10 * 60 * 1000);
  afterAll(() => project?.remove());

  it("resources common to both versions have the tokens the binding uses", () => {
    const common = generator.RESOURCES.filter((r) => mapping.provider.resources[r.tfType]);
    expect(common.map((r) => r.tfType)).toEqual(expect.arrayContaining(["libvirt_domain", "libvirt_volume", "libvirt_pool", "libvirt_network"]));
    for (const r of common) expect(Object.keys(schema.resources)).toContain(generator.resourceToken(r));
  });

  it("every Terraform attribute gets the Pulumi name and nested type name the port predicts", () => {
    const mismatches: string[] = [];
    let checked = 0;
    const walk = (attrs: Record<string, TfAttr>, props: Record<string, PulumiProperty>, typePrefix: string, where: string, top: boolean) => {
      // the bridge flattens a block of at most one item into an object; every other list or set is a list
      const kinds = new Map(Object.entries(attrs).map(([n, a]) => [n, { kind: (a.type === 5 || a.type === 6) && a.maxItems !== 1 ? "list" : "object" }]));
      for (const [tfName, attr] of Object.entries(attrs)) {
        // SDKv2 only: the bridge renames a block's own `id` to `<resource>Id` and adds `timeouts`;
        // a plugin-framework provider like 0.9.7 has neither, and the port does not model them
        if (top && (tfName === "id" || tfName === "timeouts")) continue;
        const name = generator.terraformToPulumiName(tfName, kinds);
        checked++;
        const prop = props[name];
        if (!prop) {
          mismatches.push(`${where}${tfName}: predicted ${name}, real ${Object.keys(props).sort().join(", ")}`);
          continue;
        }
        const block = attr.element?.resource;
        if (!block) continue;
        const ref = prop.$ref ?? prop.items?.$ref;
        const typeName = typePrefix + (kinds.get(tfName)!.kind === "list" ? title(generator.singularize(name)) : title(name));
        const realType = ref?.split(":").pop();
        if (realType !== typeName) mismatches.push(`${where}${tfName}: predicted type ${typeName}, real ${realType}`);
        const type = ref && schema.types[ref.replace("#/types/", "")];
        if (type) walk(block, type.properties ?? {}, typeName, `${where}${tfName}.`, false);
      }
    };
    for (const r of generator.RESOURCES) {
      const attrs = mapping.provider.resources[r.tfType];
      const resource = schema.resources[generator.resourceToken(r)];
      if (!attrs || !resource) continue;
      walk(attrs, { ...resource.properties, ...resource.inputProperties }, r.className, `${r.tfType}.`, true);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it("`pulumi package add` registers the package exactly as the binding does, but for the version", () => {
    project.ok("package", "add", "terraform-provider", "dmacvicar/libvirt", version);
    const generated = JSON.parse(readFileSync(join(project.dir, "sdks", "libvirt", "package.json"), "utf8"));
    const decode = (b64: string) => JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
    expect({ ...generated.pulumi, parameterization: { ...generated.pulumi.parameterization, version: "V", value: decode(generated.pulumi.parameterization.value) } }).toEqual({
      ...ourPackage.pulumi,
      parameterization: { ...ourPackage.pulumi.parameterization, version: "V", value: { remote: { ...decode(ourPackage.pulumi.parameterization.value).remote, version: version } } },
    });
    expect(generated.name).toBe(ourPackage.name);
    // the engine-side registration call in the generated utilities
    const utilities = readFileSync(join(project.dir, "sdks", "libvirt", "utilities.ts"), "utf8");
    expect(utilities).toContain(`baseProviderName: "${generator.PACKAGE.baseProviderName}"`);
    expect(utilities).toContain(`baseProviderVersion: "${generator.PACKAGE.baseProviderVersion}"`);
    expect(utilities).toContain(`packageName: "${generator.PACKAGE.name}"`);
  });
});

function title(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}
