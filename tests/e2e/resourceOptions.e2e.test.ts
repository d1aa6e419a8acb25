import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeWithEngine, PulumiProject } from "../support/engine";
import { removePool, scratchDir, scratchPool } from "../support/libvirt";

/**
 * The resource options a program gives a virtkit component, on the real engine (the mock one
 * runs neither transforms nor alias resolution): a `transforms` callback sees the component's
 * child resources, and an alias keeps a renamed component's children, so nothing is replaced.
 * The child is virtkit's LUKS volume (it needs no libvirt provider, so it runs wherever the
 * engine builds), in a dir pool of this machine's libvirtd.
 */
const uri = "qemu:///system";
const tag = `vk-opts-e2e-${process.pid}`;
const STEP = 10 * 60 * 1000;

const program = (component: string, aliased: boolean) => `import * as pulumi from "@pulumi/pulumi";
import * as virtkit from "virtkit";
import { appendFileSync } from "node:fs";

const host = new virtkit.LibvirtHost("local", { uri: "${uri}" });
// what the transform saw, one "type::name" a line
const seen: pulumi.ResourceTransform = async (args) => {
  appendFileSync(\`\${__dirname}/transformed.log\`, \`\${args.type}::\${args.name}\\n\`);
  return undefined;
};
const data = new virtkit.Qcow2Volume(
  "${component}",
  { host, pool: "${tag}", name: "${tag}.qcow2", size: "16MiB", encryption: { passphrase: pulumi.secret("correct horse") }, allowReplace: true },
  { transforms: [seen]${aliased ? `, aliases: [{ name: "old" }]` : ""} },
);
export const path = data.path;
`;

describeWithEngine("resource options on virtkit components, on the real Pulumi engine", () => {
  const dir = scratchDir();
  let project: PulumiProject;
  const log = () => readFileSync(join(project.dir, "transformed.log"), "utf8").trim().split("\n");

  beforeAll(() => {
    scratchPool(uri, tag, join(dir, "pool"));
    project = new PulumiProject("e2e-opts", { "index.ts": program("old", false) });
    project.init();
  }, STEP);

  afterAll(() => {
    project?.destroyAndRemove();
    removePool(uri, tag);
  }, STEP);

  it("a transform given to a component sees the component and the resources under it", () => {
    project.ok("up", "--yes", "--skip-preview");
    expect(log()).toEqual(expect.arrayContaining(["virtkit:index:Qcow2Volume::old", "pulumi-nodejs:dynamic/virtkit:LuksVolume::old"]));
    expect(existsSync(String(project.outputs().path))).toBe(true);
  }, STEP);

  it("an alias on a renamed component keeps its children: nothing is created, replaced or deleted", () => {
    const path = String(project.outputs().path);
    project.write({ "index.ts": program("new", true) });
    const steps = project.previewSteps();
    // preview --json lists no step for what stays the same under its new name
    expect(steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.type}::${s.name}`)).toEqual([]);
    project.ok("up", "--yes", "--skip-preview");
    const state = project.ok("stack", "export").stdout;
    expect(state).toContain("virtkit:LuksVolume::new");
    expect(state).not.toContain("virtkit:LuksVolume::old");
    expect(project.outputs().path).toBe(path);
  }, STEP);

  it("without the alias the same rename would replace the volume: the test above is not vacuous", () => {
    project.write({ "index.ts": program("newer", false) });
    const ops = project.previewSteps().filter((s) => s.type.endsWith("LuksVolume")).map((s) => `${s.op} ${s.name}`);
    expect(ops).toEqual(expect.arrayContaining(["create newer", "delete new"]));
    project.write({ "index.ts": program("new", true) });
  }, STEP);
});
