// The project and stack config a program runs with under `virtkit plan`, read as `pulumi preview`
// reads them: Pulumi.yaml found walking up from the program, the stack's Pulumi.<stack>.yaml,
// the project's `config:` defaults and values, structured values as JSON; PULUMI_CONFIG overrides.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";

/** A `config:` entry of Pulumi.yaml, its shorthand (`key: value`) rewritten as Pulumi does. */
interface ProjectConfigType {
  readonly type?: string;
  readonly items?: { type: string; items?: unknown };
  readonly default?: unknown;
  readonly value?: unknown;
  readonly secret?: boolean;
}

/** A Pulumi project: its Pulumi.yaml and what virtkit plan needs of it. */
export interface PulumiProject {
  /** The project file (Pulumi.yaml or Pulumi.yml), absolute. */
  readonly file: string;
  readonly dir: string;
  readonly name: string;
  /** `main:` resolved against the project directory; undefined when the project does not say. */
  readonly main?: string;
  /** Where its Pulumi.<stack>.yaml files are: `stackConfigDir:`, else the project directory. */
  readonly stackConfigDir: string;
  readonly config: Readonly<Record<string, ProjectConfigType>>;
}

/** The config of one run: what `pulumi preview` would hand the program (PULUMI_CONFIG and its secret keys). */
export interface ProgramConfig {
  /** The project name (`pulumi.getProject()`, the namespace of `new pulumi.Config()`); `virtkit-plan` without a project. */
  readonly project: string;
  readonly stack: string;
  /** The stack file read, when there is one. */
  readonly stackFile?: string;
  /** Full keys (`proj:key`, `libvirt:uri`) to values as Pulumi gives them: strings, structured values as JSON. */
  readonly values: Readonly<Record<string, string>>;
  /** Keys whose value is secret (`secure:` in the stack file, or PULUMI_CONFIG_SECRET_KEYS). */
  readonly secretKeys: readonly string[];
  /** Secret keys not decrypted: their value (or the secret parts of it) is a placeholder. */
  readonly placeholders: readonly string[];
}

/** A project or stack file Pulumi itself would refuse; the message is Pulumi's own where it has one. */
export class StackConfigError extends Error {
  override readonly name = "StackConfigError";
}

/** The project name `virtkit plan` has always given a program outside any project. */
export const NO_PROJECT = "virtkit-plan";

// js-yaml comes with @pulumi/pulumi (a peer dependency); its core schema keeps dates as text
interface Yaml {
  load(text: string, options: { schema: unknown; filename: string }): unknown;
  CORE_SCHEMA: unknown;
}
function loadYaml(file: string): unknown {
  const pulumiDir = dirname(require.resolve("@pulumi/pulumi/package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require(require.resolve("js-yaml", { paths: [pulumiDir] })) as Yaml;
  return yaml.load(readFileSync(file, "utf8"), { schema: yaml.CORE_SCHEMA, filename: file });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The nearest Pulumi.yaml (or .yml) at or above the program, as Pulumi looks for it; undefined when there is none. */
export function findProject(program: string): PulumiProject | undefined {
  const full = resolve(program);
  let dir = existsSync(full) && statSync(full).isDirectory() ? full : dirname(full);
  for (;;) {
    for (const name of ["Pulumi.yaml", "Pulumi.yml"]) if (existsSync(join(dir, name))) return readProject(join(dir, name));
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function readProject(file: string): PulumiProject {
  const doc = loadYaml(file);
  if (!isObject(doc)) throw new StackConfigError(`${file}: expected project to be an object`);
  if (typeof doc.name !== "string" || doc.name === "") throw new StackConfigError(`${file}: project is missing a non-empty string 'name' attribute`);
  const dir = dirname(file);
  const name = doc.name;
  const config: Record<string, ProjectConfigType> = {};
  for (const [key, entry] of Object.entries(isObject(doc.config) ? doc.config : {})) {
    // Pulumi's RewriteShorthandConfigValues: a bare value is the default of a project key, the value of another namespace's
    if (!isObject(entry)) config[key] = ofProject(name, key) ? { default: entry } : { value: entry };
    else config[key] = entry as ProjectConfigType;
  }
  // `config: DIR` is the old spelling of stackConfigDir
  const stackConfigDir = typeof doc.stackConfigDir === "string" ? doc.stackConfigDir : typeof doc.config === "string" ? doc.config : undefined;
  return { file, dir, name, ...(typeof doc.main === "string" && doc.main ? { main: resolve(dir, doc.main) } : {}), stackConfigDir: resolve(dir, stackConfigDir ?? "."), config };
}

const ofProject = (project: string, key: string) => !key.includes(":") || key.startsWith(`${project}:`);

/** A config key as Pulumi keeps it: `ns:key`, a bare key in the project's namespace, `ns:config:key` as `ns:key`. */
export function fullKey(project: string, key: string): string {
  if (!key.includes(":")) return `${project}:${key}`;
  const [ns, ...rest] = key.split(":");
  return rest[0] === "config" && rest.length > 1 ? `${ns}:${rest.slice(1).join(":")}` : key;
}

/** The stacks with a Pulumi.<stack>.yaml file. */
export function stackFiles(project: PulumiProject): string[] {
  if (!existsSync(project.stackConfigDir)) return [];
  return readdirSync(project.stackConfigDir).flatMap((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1] ?? []);
}

/**
 * The stack `pulumi` would use: the one `pulumi stack select` chose for this project (Pulumi keeps
 * it in $PULUMI_HOME/workspaces/NAME-SHA1-workspace.json, what `pulumi stack --show-name` reads),
 * else the only stack file; undefined when neither says.
 */
export function selectedStack(project: PulumiProject, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const home = env.PULUMI_HOME || join(homedir(), ".pulumi");
  const sha1 = createHash("sha1").update(project.file).digest("hex");
  const settings = join(home, "workspaces", `${project.name}-${sha1}-workspace.json`);
  try {
    const stack = (JSON.parse(readFileSync(settings, "utf8")) as { stack?: unknown }).stack;
    if (typeof stack === "string" && stack) return shortStackName(stack);
  } catch {
    // no stack selected (or no readable settings): fall back to the stack files
  }
  const stacks = stackFiles(project);
  return stacks.length === 1 ? stacks[0] : undefined;
}

/** `org/project/dev` → `dev`: the stack file and the lock section are named after the last part. */
export const shortStackName = (stack: string) => stack.split("/").pop() ?? stack;

/** The stack file's content (its `config:`, `encryptionsalt:`...); undefined without a file. */
export function stackDocument(project: PulumiProject, stack: string): unknown {
  const file = stackFile(project, stack);
  return file ? loadYaml(file) : undefined;
}

/** The stack's file, `Pulumi.<stack>.yaml` (or `.yml` beside a Pulumi.yml), when it exists. */
export function stackFile(project: PulumiProject, stack: string): string | undefined {
  const exts = extname(project.file) === ".yml" ? [".yml", ".yaml"] : [".yaml", ".yml"];
  return exts.map((ext) => join(project.stackConfigDir, `Pulumi.${shortStackName(stack)}${ext}`)).find((f) => existsSync(f));
}

const isSecure = (v: unknown): v is { secure: string } => isObject(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
const hasSecure = (v: unknown): boolean => isSecure(v) || (Array.isArray(v) ? v.some(hasSecure) : isObject(v) && Object.values(v).some(hasSecure));

/** Go's encoding/json, as Pulumi writes a structured value: object keys sorted. */
export function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`).join(",")}}`;
  return JSON.stringify(v ?? null);
}

/** A value as Pulumi hands it to the program: scalars as their text, structured values as JSON; each secure part opened by `secret`. */
function configText(v: unknown, secret: (ciphertext: string) => string): string {
  const open = (x: unknown): unknown => (isSecure(x) ? secret(x.secure) : Array.isArray(x) ? x.map(open) : isObject(x) ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, open(y)])) : x);
  if (isSecure(v)) return secret(v.secure);
  if (Array.isArray(v) || isObject(v)) return goJson(open(v));
  return v === null || v === undefined ? "" : String(v);
}

/** How the run is given its config besides the files. */
export interface ConfigSources {
  /** Default process.env: PULUMI_CONFIG (and PULUMI_CONFIG_SECRET_KEYS) override the files. */
  readonly env?: NodeJS.ProcessEnv;
  /** Secret keys already decrypted (full key → the value as Pulumi gives it), e.g. by `pulumi config --show-secrets`. */
  readonly decrypted?: Readonly<Record<string, string>>;
  /** Opens one `secure:` ciphertext (the stack's passphrase provider); it throws when it cannot. */
  readonly decrypt?: (ciphertext: string) => string;
  /** The stand-in of a secret not decrypted; default {@link secretPlaceholder}. */
  readonly placeholder?: (key: string) => string;
}

/** What a secret no one decrypted reads as, so that it is recognisable wherever it lands. */
export const secretPlaceholder = (key: string) => `[secret ${key} not decrypted]`;

/**
 * The config `pulumi preview` of `stack` would give the program: the stack file's values, the
 * project's defaults and values for keys the stack does not set, PULUMI_CONFIG over both.
 * @throws StackConfigError with Pulumi's own message, as `pulumi preview` stops before the program runs
 */
export function resolveConfig(project: PulumiProject, stack: string, sources: ConfigSources = {}): ProgramConfig {
  const env = sources.env ?? process.env;
  const placeholder = sources.placeholder ?? secretPlaceholder;
  const file = stackFile(project, stack);
  const doc = stackDocument(project, stack);
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(isObject(doc) && isObject(doc.config) ? doc.config : {})) raw[fullKey(project.name, k)] = v;
  const overrides = envConfig(project.name, env);
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const placeholders: string[] = [];
  for (const [key, v] of Object.entries(raw)) {
    if (!hasSecure(v)) values[key] = configText(v, String);
    else {
      secretKeys.add(key);
      const known = sources.decrypted?.[key] ?? (sources.decrypt ? configText(v, sources.decrypt) : undefined);
      values[key] = known ?? configText(v, () => placeholder(key));
      if (known === undefined && !(key in overrides.values)) placeholders.push(key);
    }
  }
  checkProjectConfig(project, stack, raw, overrides.values);
  for (const [declared, type] of Object.entries(project.config)) {
    const key = fullKey(project.name, declared);
    const given = type.value !== undefined ? type.value : type.default;
    if (!(key in raw) && given !== undefined && given !== null) values[key] = configText(given, String);
  }
  for (const k of overrides.secretKeys) secretKeys.add(k);
  return { project: project.name, stack, ...(file ? { stackFile: file } : {}), values: { ...values, ...overrides.values }, secretKeys: [...secretKeys], placeholders };
}

/** PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS; keys under `virtkit-plan:` (the name plan gave every program before) count as the project's. */
function envConfig(project: string, env: NodeJS.ProcessEnv): { values: Record<string, string>; secretKeys: string[] } {
  const rename = (k: string) => (k.startsWith(`${NO_PROJECT}:`) ? `${project}:${k.slice(NO_PROJECT.length + 1)}` : fullKey(project, k));
  const parse = (name: string): unknown => {
    try {
      return env[name] ? JSON.parse(env[name]) : undefined;
    } catch {
      throw new StackConfigError(`${name} is not JSON: ${env[name]}`);
    }
  };
  const config = parse("PULUMI_CONFIG");
  const keys = parse("PULUMI_CONFIG_SECRET_KEYS");
  const values = Object.fromEntries(Object.entries(isObject(config) ? config : {}).map(([k, v]) => [rename(k), typeof v === "string" ? v : goJson(v)]));
  return { values, secretKeys: Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string").map(rename) : [] };
}

/** Pulumi's checks of a stack against its project's `config:` (mergeConfig, validateStackConfigValues), in its words. */
function checkProjectConfig(project: PulumiProject, stack: string, raw: Record<string, unknown>, overrides: Record<string, string>): void {
  const declared = Object.keys(project.config).sort();
  const missing = declared.filter((k) => {
    const key = fullKey(project.name, k);
    const t = project.config[k];
    return !(key in raw) && !(key in overrides) && t.value === undefined && t.default === undefined && key.startsWith(`${project.name}:`);
  });
  if (missing.length) throw new StackConfigError(`Stack '${stack}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${formatMissing(missing)}`);
  for (const k of declared) {
    const v = raw[fullKey(project.name, k)];
    const t = project.config[k];
    if (v === undefined || t.type === undefined) continue;
    if (t.secret && !hasSecure(v)) throw new StackConfigError(`Stack '${stack}' with configuration key '${k}' must be encrypted as it's secret`);
    const typed = { type: t.type, items: t.items };
    if (!hasSecure(v) && !validValue(typed, isObject(v) || Array.isArray(v) ? v : configText(v, String))) {
      throw new StackConfigError(`Stack '${stack}' with configuration key '${k}' must be of type '${typeName(typed)}'`);
    }
  }
}

function formatMissing(keys: string[]): string {
  const quoted = keys.map((k) => `'${k}'`);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

type Typed = { type: string; items?: unknown };
const typeName = (t: Typed): string => (isObject(t.items) ? `array<${typeName(t.items as Typed)}>` : t.type);

/** Pulumi's ValidateConfigValue: a stack's text, or a structured value, against a declared type. */
function validValue(t: Typed, v: unknown): boolean {
  switch (t.type) {
    case "string":
      return typeof v === "string";
    case "integer":
      return (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^[+-]?\d+$/.test(v));
    case "boolean":
      return typeof v === "boolean" || v === "true" || v === "false";
    default:
      return Array.isArray(v) && isObject(t.items) && v.every((item) => validValue(t.items as Typed, item));
  }
}
