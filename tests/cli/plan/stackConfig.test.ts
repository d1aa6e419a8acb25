import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planConfig, type SecretsReader } from "../../../sdk/src/cli/plan/configSecrets";
import { programEntry } from "../../../sdk/src/cli/plan/runProgram";
import { findProject, resolveConfig, selectedStack, StackConfigError } from "../../../sdk/src/cli/plan/stackConfig";

/** A project directory with the given files (name → text). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-stackconfig-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const PROJECT = `name: demo
runtime: nodejs
main: src/
config:
  size: { type: integer, default: 3 }
  tags: [a, b]
  flavor: small
  aws:region: us-west-2
  libvirt:uri: { value: "qemu:///system" }
`;
const DEV = `config:
  flavor: large
  demo:count: 5
  demo:enabled: true
  demo:net:
    name: backend
    cidr: 10.0.0.0/24
    dhcp: { start: 100, end: 199 }
  demo:pins: ["2", "3"]
  libvirt:uri: qemu+ssh://root@hv1/system
`;
const noEnv = { PULUMI_HOME: "/nonexistent" };

describe("the config virtkit plan reads from a Pulumi project", () => {
  it("merges the stack file with the project's defaults and values, as Pulumi gives them to the program", () => {
    const dir = project({ "Pulumi.yaml": PROJECT, "Pulumi.dev.yaml": DEV });
    const config = resolveConfig(findProject(dir)!, "dev", { env: noEnv });
    expect(config).toMatchObject({ project: "demo", stack: "dev", stackFile: join(dir, "Pulumi.dev.yaml"), secretKeys: [], placeholders: [] });
    expect(config.values).toEqual({
      "demo:flavor": "large", // a bare key of the stack file is the project's; it beats the default
      "demo:count": "5",
      "demo:enabled": "true",
      // structured values are JSON, keys sorted as Go writes them
      "demo:net": '{"cidr":"10.0.0.0/24","dhcp":{"end":199,"start":100},"name":"backend"}',
      "demo:pins": '["2","3"]',
      "libvirt:uri": "qemu+ssh://root@hv1/system", // the stack's value beats the project's
      "demo:size": "3",
      "demo:tags": '["a","b"]', // a shorthand default
      "aws:region": "us-west-2", // another namespace's shorthand is a value
    });
  });

  it("reads the stack named by --stack, and only the project's defaults for a stack without a file", () => {
    const dir = project({ "Pulumi.yaml": PROJECT, "Pulumi.dev.yaml": DEV, "Pulumi.prod.yaml": "config:\n  demo:flavor: xlarge\n" });
    const p = findProject(dir)!;
    expect(planConfig(dir, "prod", undefined, noEnv).values["demo:flavor"]).toBe("xlarge");
    expect(planConfig(dir, "org/demo/prod", undefined, noEnv)).toMatchObject({ stack: "prod", stackFile: join(dir, "Pulumi.prod.yaml") });
    const none = resolveConfig(p, "test", { env: noEnv });
    expect(none.stackFile).toBeUndefined();
    expect(none.values).toEqual({ "demo:size": "3", "demo:tags": '["a","b"]', "demo:flavor": "small", "aws:region": "us-west-2", "libvirt:uri": "qemu:///system" });
  });

  it("finds Pulumi.yaml walking up from a program file, and runs the project's main", () => {
    const dir = project({ "Pulumi.yaml": PROJECT, "src/index.ts": "export {};\n", "src/lib/other.ts": "export {};\n", "Pulumi.dev.yaml": DEV });
    expect(findProject(join(dir, "src", "lib", "other.ts"))).toMatchObject({ name: "demo", dir, main: join(dir, "src") });
    expect(programEntry(dir)).toBe(join(dir, "src", "index.ts"));
    expect(planConfig(join(dir, "src", "lib", "other.ts"), undefined, undefined, noEnv).values["demo:flavor"]).toBe("large");
  });

  it("takes the stack `pulumi stack select` chose, else the only stack file, else dev", () => {
    const dir = project({ "Pulumi.yaml": PROJECT, "Pulumi.dev.yaml": DEV, "Pulumi.prod.yaml": "config: {}\n" });
    const home = project({});
    const p = findProject(dir)!;
    expect(selectedStack(p, { PULUMI_HOME: home })).toBeUndefined(); // two stack files, none selected
    expect(planConfig(dir, undefined, undefined, { PULUMI_HOME: home }).stack).toBe("dev");
    const sha1 = createHash("sha1").update(join(dir, "Pulumi.yaml")).digest("hex");
    mkdirSync(join(home, "workspaces"));
    writeFileSync(join(home, "workspaces", `demo-${sha1}-workspace.json`), JSON.stringify({ stack: "organization/demo/prod" }));
    expect(selectedStack(p, { PULUMI_HOME: home })).toBe("prod");
    const single = findProject(project({ "Pulumi.yaml": PROJECT, "Pulumi.staging.yaml": "config: {}\n" }))!;
    expect(selectedStack(single, noEnv)).toBe("staging");
  });

  it("lets PULUMI_CONFIG override the files (also under virtkit-plan:, the name plan gave every program before)", () => {
    const dir = project({ "Pulumi.yaml": PROJECT, "Pulumi.dev.yaml": DEV });
    const env = { ...noEnv, PULUMI_CONFIG: JSON.stringify({ "demo:flavor": "tiny", "virtkit-plan:count": "7", "aws:region": "eu-west-1" }), PULUMI_CONFIG_SECRET_KEYS: '["demo:flavor"]' };
    const config = resolveConfig(findProject(dir)!, "dev", { env });
    expect(config.values).toMatchObject({ "demo:flavor": "tiny", "demo:count": "7", "aws:region": "eu-west-1", "demo:enabled": "true" });
    expect(config.secretKeys).toEqual(["demo:flavor"]);
  });
});

describe("a stack Pulumi would refuse stops the plan with Pulumi's own words", () => {
  const declared = `name: db\nruntime: nodejs\nconfig:\n  passphrase: { type: string, secret: true }\n  replicas: { type: integer }\n  zone: { type: string, default: a }\n`;

  it("a required key neither file sets", () => {
    const p = findProject(project({ "Pulumi.yaml": declared, "Pulumi.dev.yaml": "config:\n  db:replicas: 2\n" }))!;
    expect(() => resolveConfig(p, "dev", { env: noEnv })).toThrow(new StackConfigError("Stack 'dev' is missing configuration value 'passphrase'"));
    const bare = findProject(project({ "Pulumi.yaml": declared }))!;
    expect(() => resolveConfig(bare, "dev", { env: noEnv })).toThrow("Stack 'dev' is missing configuration values 'passphrase' and 'replicas'");
    // given in PULUMI_CONFIG, it is not missing
    expect(resolveConfig(p, "dev", { env: { ...noEnv, PULUMI_CONFIG: '{"db:passphrase":"x"}' } }).values["db:passphrase"]).toBe("x");
  });

  it("a secret key in plain text, a value not of its declared type", () => {
    const p = findProject(project({ "Pulumi.yaml": declared, "Pulumi.dev.yaml": "config:\n  db:replicas: 2\n  db:passphrase: hunter2\n", "Pulumi.prod.yaml": "config:\n  db:replicas: two\n  db:passphrase: { secure: v1:abc }\n" }))!;
    expect(() => resolveConfig(p, "dev", { env: noEnv })).toThrow("Stack 'dev' with configuration key 'passphrase' must be encrypted as it's secret");
    expect(() => resolveConfig(p, "prod", { env: noEnv })).toThrow("Stack 'prod' with configuration key 'replicas' must be of type 'integer'");
  });
});

describe("secure: values", () => {
  const files = {
    "Pulumi.yaml": "name: db\nruntime: nodejs\nconfig:\n  passphrase: { type: string, secret: true }\n",
    "Pulumi.dev.yaml": "encryptionsalt: v1:abc\nconfig:\n  db:passphrase: { secure: v1:AAA:BBB }\n  db:creds:\n    user: admin\n    password: { secure: v1:CCC:DDD }\n  db:plain: x\n",
  };

  it("are secret keys with a recognisable placeholder when nothing decrypts them", () => {
    const config = resolveConfig(findProject(project(files))!, "dev", { env: noEnv });
    expect(config.values["db:passphrase"]).toBe("[secret db:passphrase not decrypted]");
    expect(JSON.parse(config.values["db:creds"])).toEqual({ user: "admin", password: "[secret db:creds not decrypted]" });
    expect([...config.secretKeys].sort()).toEqual(["db:creds", "db:passphrase"]);
    expect([...config.placeholders].sort()).toEqual(["db:creds", "db:passphrase"]);
  });

  it("take the values `pulumi config --show-secrets` decrypts, asked only when the stack has secrets", () => {
    const asked: string[] = [];
    const cli: SecretsReader = (dir, stack) => (asked.push(stack), { values: { "db:passphrase": "hunter2", "db:creds": '{"password":"pw","user":"admin"}' } });
    const config = planConfig(project(files), "dev", cli, noEnv);
    expect(config).toMatchObject({ placeholders: [], notes: [] });
    expect(config.values).toMatchObject({ "db:passphrase": "hunter2", "db:creds": '{"password":"pw","user":"admin"}', "db:plain": "x" });
    expect(asked).toEqual(["dev"]);
    planConfig(project({ "Pulumi.yaml": "name: p\nruntime: nodejs\n", "Pulumi.dev.yaml": "config:\n  p:a: b\n" }), "dev", cli, noEnv);
    expect(asked).toEqual(["dev"]);
  });

  it("say which secret was not decrypted, and why", () => {
    const config = planConfig(project(files), "dev", () => ({ error: "no pulumi CLI on PATH" }), noEnv);
    expect(config.notes).toEqual([
      "secret config db:passphrase not decrypted: placeholder used (no pulumi CLI on PATH)",
      "secret config db:creds not decrypted: placeholder used (no pulumi CLI on PATH)",
    ]);
  });
});

describe("secure: values of a passphrase stack", () => {
  // written by Pulumi 3.248's own CLI: pulumi config set --secret pass hunter2, --path --secret obj.s deep (passphrase "pw")
  const files = {
    "Pulumi.yaml": "name: demo\nruntime: nodejs\n",
    "Pulumi.dev.yaml": `encryptionsalt: v1:fMnau/3pEz4=:v1:FbiumNzLocds0osC:4UbiujDt0DBxJabJVY8XFiqA/mW64w==
config:
  demo:pass:
    secure: v1:mZpVt0UzY9reKVkC:jSpdNNWu3DCy6DlFj1cYLkhL3sGY+V0=
  demo:obj:
    inner:
      "n": 5
    s:
      secure: v1:W65XzjGMg0lDXfVo:odSQZ/RUfyl8PyJKG81xDgsfqzM=
`,
  };
  const noCli: SecretsReader = () => {
    throw new Error("the CLI is not asked when the passphrase opens the stack");
  };

  it("open offline with PULUMI_CONFIG_PASSPHRASE, as `pulumi config --show-secrets` shows them", () => {
    const config = planConfig(project(files), "dev", noCli, { ...noEnv, PULUMI_CONFIG_PASSPHRASE: "pw" });
    expect(config).toMatchObject({ placeholders: [], notes: [], values: { "demo:pass": "hunter2", "demo:obj": '{"inner":{"n":5},"s":"deep"}' } });
    expect([...config.secretKeys].sort()).toEqual(["demo:obj", "demo:pass"]);
  });

  it("open with PULUMI_CONFIG_PASSPHRASE_FILE; a wrong passphrase leaves placeholders, in Pulumi's words", () => {
    const dir = project(files);
    writeFileSync(join(dir, "pass"), "pw");
    expect(planConfig(dir, "dev", noCli, { ...noEnv, PULUMI_CONFIG_PASSPHRASE_FILE: join(dir, "pass") }).values["demo:pass"]).toBe("hunter2");
    const wrong = planConfig(dir, "dev", noCli, { ...noEnv, PULUMI_CONFIG_PASSPHRASE: "nope" });
    expect(wrong.notes).toEqual(["secret config demo:pass not decrypted: placeholder used (incorrect passphrase)", "secret config demo:obj not decrypted: placeholder used (incorrect passphrase)"]);
  });
});
