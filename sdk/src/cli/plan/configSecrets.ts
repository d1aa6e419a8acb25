// Secret stack config under `virtkit plan`: a passphrase stack's opened offline, another's by the
// Pulumi CLI when it can, else a placeholder, kept only when the plan is the same whatever the secret says.
import { spawnSync } from "node:child_process";
import { passphraseDecrypter } from "./passphraseSecrets";
import { findProject, NO_PROJECT, resolveConfig, secretPlaceholder, selectedStack, shortStackName, stackDocument, StackConfigError, type ProgramConfig } from "./stackConfig";
import type { ProgramPlan } from "./runProgram";

/** The config of a `virtkit plan` run, and what it could not decrypt. */
export interface PlanConfig extends ProgramConfig {
  /** One line per secret left as a placeholder: `secret config X not decrypted: placeholder used (why)`. */
  readonly notes: readonly string[];
}

/** How to ask the Pulumi CLI for a stack's secrets; tests give another. */
export type SecretsReader = (projectDir: string, stack: string) => { values: Record<string, string> } | { error: string };

/**
 * `pulumi config --json --show-secrets`: what `pulumi preview` decrypts, with whatever secrets
 * provider the stack has (a passphrase from PULUMI_CONFIG_PASSPHRASE(_FILE), a cloud KMS, Pulumi Cloud).
 */
export const pulumiCliSecrets: SecretsReader = (projectDir, stack) => {
  const r = spawnSync("pulumi", ["config", "--json", "--show-secrets", "--stack", stack, "--cwd", projectDir, "--non-interactive"], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  if (r.error) return { error: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? "no pulumi CLI on PATH" : r.error.message };
  if (r.status !== 0) return { error: `pulumi config --show-secrets: ${(r.stderr || r.stdout).trim().split("\n")[0]}` };
  try {
    const doc = JSON.parse(r.stdout) as Record<string, { value?: string; secret?: boolean }>;
    return { values: Object.fromEntries(Object.entries(doc).flatMap(([k, v]) => (v.secret && typeof v.value === "string" ? [[k, v.value]] : []))) };
  } catch {
    return { error: "pulumi config --show-secrets printed no JSON" };
  }
};

/**
 * The config `pulumi preview` of the program's stack would see. The stack: `stack`, else the
 * selected one, else the only stack file, else `dev` (with no stack file). Secrets are decrypted
 * by `secrets` (the Pulumi CLI) when the stack has any.
 * @throws StackConfigError as `pulumi preview` would stop
 */
export function planConfig(program: string, stack: string | undefined, secrets: SecretsReader = pulumiCliSecrets, env: NodeJS.ProcessEnv = process.env): PlanConfig {
  const project = findProject(program);
  if (!project) {
    const values = ownConfig(env);
    return { project: NO_PROJECT, stack: stack ? shortStackName(stack) : "dev", values, secretKeys: [], placeholders: [], notes: [] };
  }
  const name = stack ?? selectedStack(project, env) ?? "dev";
  let config = resolveConfig(project, name, { env });
  let why = "";
  // a passphrase stack opens offline; any other provider (or no passphrase) asks the Pulumi CLI
  const passphrase = config.placeholders.length ? passphraseDecrypter(stackDocument(project, name), env) : undefined;
  if (passphrase && "decrypt" in passphrase) config = decryptedWith(project, name, env, passphrase.decrypt);
  else if (passphrase) why = ` (${passphrase.error})`;
  else if (config.placeholders.length) {
    const read = secrets(project.dir, name);
    if ("values" in read) config = resolveConfig(project, name, { env, decrypted: read.values });
    else why = ` (${read.error})`;
  }
  return { ...config, stack: shortStackName(name), notes: config.placeholders.map((k) => `secret config ${k} not decrypted: placeholder used${why}`) };
}

function decryptedWith(project: NonNullable<ReturnType<typeof findProject>>, stack: string, env: NodeJS.ProcessEnv, decrypt: (c: string) => string): ProgramConfig {
  try {
    return resolveConfig(project, stack, { env, decrypt });
  } catch (e) {
    if (e instanceof StackConfigError) throw e;
    throw new StackConfigError(`a secure value of stack ${stack} does not decrypt with its passphrase: ${(e as Error).message}`);
  }
}

function ownConfig(env: NodeJS.ProcessEnv): Record<string, string> {
  try {
    return env.PULUMI_CONFIG ? (JSON.parse(env.PULUMI_CONFIG) as Record<string, string>) : {};
  } catch {
    throw new StackConfigError(`PULUMI_CONFIG is not JSON: ${env.PULUMI_CONFIG}`);
  }
}

/** The same config with other placeholders: a plan that does not read its secrets is the same under both. */
export function withOtherPlaceholders(config: PlanConfig, program: string, env: NodeJS.ProcessEnv = process.env): PlanConfig {
  const project = findProject(program);
  if (!project || !config.placeholders.length) return config;
  const other = resolveConfig(project, config.stack, { env, placeholder: otherPlaceholder });
  return { ...config, values: { ...config.values, ...Object.fromEntries(config.placeholders.map((k) => [k, other.values[k]])) } };
}

const otherPlaceholder = (key: string) => `[another stand-in for secret ${key}, also not decrypted]`;

/** The plan as text in which each placeholder reads the same, whichever stand-in the run had. */
export function planFingerprint(plan: ProgramPlan, placeholders: readonly string[]): string {
  const text = JSON.stringify({
    // registration order follows the Outputs each resource waits on: compare them sorted
    resources: [...plan.resources].sort((x, y) => `${x.type} ${x.name}`.localeCompare(`${y.type} ${y.name}`)),
    vms: plan.vms.map((vm) => ({ component: vm.component, host: vm.host, domainName: vm.domainName, report: vm.report, warnings: vm.warnings, domainXml: vm.domainXml })),
    networks: plan.networks.map((n) => ({ component: n.component, host: n.host, networkXml: n.networkXml, warnings: n.warnings })),
    volumes: plan.volumes.map((v) => ({ component: v.component, host: v.host, digest: v.digest })),
    outputs: plan.outputs,
  });
  let out = text;
  for (const k of placeholders) {
    for (const stand of [secretPlaceholder(k), otherPlaceholder(k)]) out = out.split(JSON.stringify(stand).slice(1, -1)).join(`<secret ${k}>`);
  }
  return out;
}

/** Why a plan that depends on an undecrypted secret is refused, and how to give virtkit plan the secret. */
export function secretDependence(config: PlanConfig, cause?: string): StackConfigError {
  const keys = config.placeholders.join(", ");
  return new StackConfigError(
    `secret config ${keys} is not decrypted, and the plan depends on its value${cause ? ` (with a placeholder the program failed: ${cause})` : ""}. ` +
      `Let virtkit plan decrypt it (the pulumi CLI on PATH, logged in to the stack's backend, PULUMI_CONFIG_PASSPHRASE set for a passphrase stack: ` +
      `\`pulumi config --show-secrets --stack ${config.stack}\` must work), or give it in PULUMI_CONFIG='{"${config.placeholders[0]}":"..."}'`,
  );
}
