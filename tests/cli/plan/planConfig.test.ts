import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { plan, type PlanOptions } from "../../../sdk/src/cli/plan/planCommand";
import { runProgram } from "../../../sdk/src/cli/plan/runProgram";

// Programs run under the mock engine from projects in .scratch (where @pulumi/pulumi and virtkit
// resolve as they do for the examples): in this process, or through bin/virtkit where a program
// must run twice (jest's module registry would hand the second run the first one's exports).
const root = join(__dirname, "..", "..", "..");
const built = existsSync(join(root, "dist", "sdk", "src", "cli", "main.js"));
mkdirSync(join(root, ".scratch"), { recursive: true });
const made: string[] = [];
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, ".scratch", "config-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  made.push(dir);
  return dir;
}

// what this machine's `pulumi stack select` chose must not matter, nor the caller's PULUMI_CONFIG
const saved = { home: process.env.PULUMI_HOME, config: process.env.PULUMI_CONFIG };
beforeAll(() => {
  process.env.PULUMI_HOME = project({});
  delete process.env.PULUMI_CONFIG;
});
afterAll(() => {
  for (const [k, v] of [["PULUMI_HOME", saved.home], ["PULUMI_CONFIG", saved.config]] as const) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  made.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
afterEach(() => delete process.env.PULUMI_CONFIG);

async function planJson(program: string, extra: Partial<PlanOptions> = {}): Promise<{ code: number; doc: Record<string, any> }> {
  let text = "";
  const code = await plan({ program, uri: "test:///default", libvirt: false, xml: false, json: true, noLock: true, ...extra }, (s) => (text += s));
  return { code, doc: JSON.parse(text) };
}

const READER = `import * as pulumi from "@pulumi/pulumi";
const cfg = new pulumi.Config();
export const project = pulumi.getProject();
export const stack = pulumi.getStack();
export const flavor = cfg.require("flavor");
export const size = cfg.requireNumber("size");
export const net = cfg.requireObject<{ name: string; dhcp: { start: number } }>("net");
export const uri = new pulumi.Config("libvirt").require("uri");
export const passIsSecret = pulumi.isSecret(cfg.requireSecret("pass"));
export const passIsConfigSecret = pulumi.runtime.isConfigSecret("cfgdemo:pass");
export const flavorIsSecret = pulumi.isSecret(cfg.requireSecret("flavor"));
`;
const files = {
  "Pulumi.yaml": "name: cfgdemo\nruntime: nodejs\nconfig:\n  size: { type: integer, default: 3 }\n  flavor: small\n",
  "Pulumi.dev.yaml": "config:\n  cfgdemo:flavor: large\n  cfgdemo:net: { name: backend, dhcp: { start: 100 } }\n  libvirt:uri: qemu+ssh://root@hv1/system\n  cfgdemo:pass: { secure: v1:AAAA:BBBB }\n",
  "Pulumi.prod.yaml": "config:\n  cfgdemo:flavor: xlarge\n  cfgdemo:net: { name: front, dhcp: { start: 10 } }\n  libvirt:uri: qemu+ssh://root@hv9/system\n  cfgdemo:pass: { secure: v1:CCCC:DDDD }\n",
  "index.ts": READER,
};

describe("a program under virtkit plan reads its project's stack config", () => {
  it("runs as its project, with the stack file's values, the project's defaults and structured values", async () => {
    const { outputs } = await runProgram(project(files), { stack: "dev" });
    expect(outputs).toMatchObject({ project: "cfgdemo", stack: "dev", flavor: "large", size: 3, net: { name: "backend", dhcp: { start: 100 } }, uri: "qemu+ssh://root@hv1/system" });
  });

  it("--stack picks another stack's file", async () => {
    const { code, doc } = await planJson(project(files), { stack: "prod" });
    expect(code).toBe(0);
    expect(doc.config).toMatchObject({ project: "cfgdemo", stack: "prod" });
    expect(doc.config.file).toMatch(/Pulumi\.prod\.yaml$/);
    const { outputs } = await runProgram(project(files), { stack: "prod" });
    expect(outputs).toMatchObject({ stack: "prod", flavor: "xlarge", uri: "qemu+ssh://root@hv9/system", net: { name: "front" } });
  });

  it("PULUMI_CONFIG from the environment overrides the stack", async () => {
    process.env.PULUMI_CONFIG = JSON.stringify({ "cfgdemo:flavor": "tiny", "libvirt:uri": "test:///default" });
    const { outputs } = await runProgram(project(files), { stack: "dev" });
    expect(outputs).toMatchObject({ flavor: "tiny", uri: "test:///default", size: 3 });
  });

  it("a secure: value stays a secret: requireSecret gives a Pulumi secret, and the key is a secret key", async () => {
    process.env.PULUMI_CONFIG = JSON.stringify({ "cfgdemo:pass": "hunter2" });
    const given = await runProgram(project(files), { stack: "dev" });
    expect(given.outputs.passIsConfigSecret).toBe(true);
    expect(await given.outputs.passIsSecret).toBe(true);
    expect(await given.outputs.flavorIsSecret).toBe(true); // requireSecret of a plain key is a secret too
  });
});

describe("virtkit plan's report", () => {
  it("says which project, stack and file the config came from, and each secret left a placeholder", async () => {
    let text = "";
    const dir = project(files);
    await plan({ program: dir, uri: "test:///default", libvirt: false, xml: false, noLock: true }, (s) => (text += s));
    expect(text).toMatch(new RegExp(`^\\n== config \\(project cfgdemo, stack dev\\)\\n${join(dir, "Pulumi.dev.yaml")}\\nsecret config cfgdemo:pass not decrypted: placeholder used \\(.+\\)\\n`));
  });
});

describe("a required config key no file sets fails as pulumi preview fails", () => {
  it("one the program requires: Pulumi's own error from the program", async () => {
    const dir = project({ "Pulumi.yaml": "name: cfgmissing\nruntime: nodejs\n", "index.ts": `import * as pulumi from "@pulumi/pulumi";\nexport const x = new pulumi.Config().require("nope");\n` });
    const { code, doc } = await planJson(dir);
    expect(code).toBe(1);
    expect(doc).toEqual({ program: dir, valid: false, error: "Missing required configuration variable 'cfgmissing:nope'\n\tplease set a value using the command `pulumi config set cfgmissing:nope <value>`" });
  });

  it("one the project declares without a default: Pulumi's check of the stack, before the program runs", async () => {
    let text = "";
    const code = await plan({ program: join(root, "examples", "three-hosts"), uri: "test:///default", libvirt: false, xml: false, noLock: true }, (s) => (text += s));
    expect(code).toBe(1);
    expect(text).toBe("virtkit plan: error: Stack 'dev' is missing configuration value 'dbPassphrase'\n");
  });
});

/** bin/virtkit plan --json, with this test's PULUMI_HOME and no PULUMI_CONFIG unless given. */
function cli(program: string, env: Record<string, string> = {}): { status: number | null; doc: Record<string, any>; stderr: string } {
  const { PULUMI_CONFIG: _, ...rest } = process.env;
  const r = spawnSync(process.execPath, [join(root, "bin", "virtkit"), "plan", program, "--json", "--no-libvirt", "--no-xml", "--no-lock"], { cwd: root, encoding: "utf8", timeout: 180000, env: { ...rest, ...env } });
  if (!r.stdout.startsWith("{")) throw new Error(`virtkit plan printed no JSON: ${r.stdout}${r.stderr}`);
  return { status: r.status, doc: JSON.parse(r.stdout), stderr: r.stderr };
}

(built || process.env.CI ? describe : describe.skip)("a secret virtkit plan cannot decrypt (bin/virtkit)", () => {
  it("is a placeholder, said so, when the plan does not depend on it", () => {
    const { status, doc } = cli(project(files));
    expect(status).toBe(0);
    expect(doc.config).toMatchObject({ stack: "dev", placeholders: ["cfgdemo:pass"] });
    expect(doc.config.notes[0]).toMatch(/^secret config cfgdemo:pass not decrypted: placeholder used/);
  });

  it("stops the plan when the plan depends on it", () => {
    const dependent = project({ ...files, "index.ts": `import * as pulumi from "@pulumi/pulumi";\nexport const length = new pulumi.Config().require("pass").length;\n` });
    const { status, doc } = cli(dependent);
    expect(status).toBe(1);
    expect(doc.error).toMatch(/^secret config cfgdemo:pass is not decrypted, and the plan depends on its value\. /);
    const parsed = project({ ...files, "index.ts": `import * as pulumi from "@pulumi/pulumi";\nexport const n = new pulumi.Config().requireNumber("pass");\n` });
    expect(cli(parsed).doc.error).toMatch(/with a placeholder the program failed: Configuration 'cfgdemo:pass' value .* is not a valid number/);
  });

  it("given in PULUMI_CONFIG, it is no placeholder, and the plan may depend on it", () => {
    const dependent = project({ ...files, "index.ts": `import * as pulumi from "@pulumi/pulumi";\nexport const length = new pulumi.Config().require("pass").length;\n` });
    const { status, doc } = cli(dependent, { PULUMI_CONFIG: JSON.stringify({ "cfgdemo:pass": "hunter2" }) });
    expect(status).toBe(0);
    expect(doc.config).toMatchObject({ placeholders: [], notes: [] });
  });
});

(built || process.env.CI ? describe : describe.skip)("examples/three-hosts planned with a stack file of its own (bin/virtkit)", () => {
  const stack = "config:\n  virtkit-three-hosts:dbHost: hv1\n  virtkit-three-hosts:namePrefix: ci-\n  virtkit-three-hosts:dbPassphrase: { secure: v1:AAAA:BBBB }\n";
  // the example's own Pulumi.yaml, its main pointing at the example (as a project elsewhere may)
  const main = relative(join(root, ".scratch", "x"), join(root, "examples", "three-hosts", "index.ts"));
  const yaml = readFileSync(join(root, "examples", "three-hosts", "Pulumi.yaml"), "utf8").replace(/^main: index\.ts$/m, `main: ${main}`);

  it("places the database where the stack says, names everything with its prefix, the passphrase a placeholder", () => {
    const { status, doc } = cli(project({ "Pulumi.yaml": yaml, "Pulumi.ci.yaml": stack }));
    expect(status).toBe(0);
    expect(doc.config).toMatchObject({ project: "virtkit-three-hosts", stack: "ci", placeholders: ["virtkit-three-hosts:dbPassphrase"] });
    expect(doc.vms.find((vm: { domainName: string }) => vm.domainName === "ci-db")).toMatchObject({ host: "hv1" });
    expect(doc.vms.map((vm: { domainName: string }) => vm.domainName).sort()).toEqual(["ci-db", "ci-web-0", "ci-web-1", "ci-web-2"]);
  });

  it("without the stack file, stops as pulumi preview does", () => {
    const { status, doc } = cli(project({ "Pulumi.yaml": yaml }));
    expect(status).toBe(1);
    expect(doc.error).toBe("Stack 'dev' is missing configuration value 'dbPassphrase'");
  });
});
