// `virtkit plan`: its usage, its arguments, and the run that reports, checks with libvirt and keeps the placement lock.
import * as pulumi from "@pulumi/pulumi";
import { parseArgs as parseCommandLine } from "node:util";
import { existsSync, readFileSync } from "node:fs";
import { VirtkitValidationError } from "../../errors";
import { LockFileError } from "../../host/placementLock";
import { lockFileProblem } from "../../program/runContext";
import { capacityReport } from "../../host/capacity";
import { changesAgainstExport, changesSinceLock, readStackExport, type ResourceChange } from "./planChanges";
import { checkWithLibvirt, type LibvirtVerdict } from "./libvirtCheck";
import { planConfig, planFingerprint, secretDependence, withOtherPlaceholders, type PlanConfig } from "./configSecrets";
import { lockFilePath, programLockOf, readLockFile, removedFromLock, stackSectionOf, updatedLockText, withoutRemoved, writeLockText } from "./lockFile";
import { formatCapacity, formatChanges, formatLockOutcomes, formatPlacement, formatResources, table } from "./planReport";
import { runProgram, type ProgramPlan } from "./runProgram";
import { StackConfigError } from "./stackConfig";
import type { ProgramLock } from "../../program/runContext";

const USAGE = `usage: virtkit plan [PROGRAM] [--uri URI] [--no-libvirt] [--no-xml] [--json]
                    [--stack NAME] [--lock FILE | --no-lock] [--frozen-lock] [--against FILE]

Runs a virtkit Pulumi program offline (Pulumi's mock engine: nothing is created),
prints its resources, the placement of every VM, each host's capacity and the network
and domain XML, then lets real libvirt check each virtual network and domain. Honours the
placement lock and, when the program is valid and libvirt accepts it, writes the lock (one
section per stack), and says what each change since the lock does to each VM and volume.

The program gets the config \`pulumi preview\` of its stack would give it: the project is
the Pulumi.yaml found walking up from PROGRAM (its name, its main:); the values are the
stack's Pulumi.<stack>.yaml over the defaults and values of Pulumi.yaml's config:
(structured values as JSON); PULUMI_CONFIG (a JSON object of full keys such as
proj:key) overrides both. A key the project requires and no file sets stops the plan
with Pulumi's message. secure: values of a passphrase stack open offline with
PULUMI_CONFIG_PASSPHRASE (or _FILE); other providers' through \`pulumi config
--show-secrets\` when the pulumi CLI is on PATH and logged in. Otherwise each is a
placeholder, said so in the report, and the plan stops if it depends on the secret's
content (it runs twice, with two placeholders).

  PROGRAM       a Pulumi project directory or .ts file (default: examples/nfv-host)
  --uri URI     libvirt to check with (default test:///default, libvirt's built-in
                test hypervisor: define+start, nothing to set up; any other URI gets
                domxml-to-native, which defines nothing, and the network schema)
  --no-libvirt  skip the libvirt check
  --no-xml      do not print the network and domain XML
  --json        print everything as one JSON document on stdout (resources, placement
                per VM, capacity per host, warnings, domain XML, libvirt's verdicts, or
                the validation problems), for scripts and CI; the exit code is the same
  --stack NAME  the stack: its config, pulumi.getStack() in the program, the lock section;
                default: the stack \`pulumi stack select\` chose for the project, else
                the only Pulumi.<stack>.yaml, else dev (the project's defaults only)
  --lock FILE   the placement lock (default: $VIRTKIT_LOCK_FILE, else virtkit.lock.json
                in the program's directory, where Pulumi reads it too)
  --no-lock     neither read nor write the lock: place as if there were none
  --frozen-lock read the lock, never write it: exit 1 when it would change (for CI)
  --against FILE  also compare each domain and volume with a \`pulumi stack export\` file`;

export interface PlanOptions {
  program: string;
  uri: string;
  libvirt: boolean;
  xml: boolean;
  json?: boolean;
  stack?: string;
  /** The lock file; default beside the program. */
  lock?: string;
  noLock?: boolean;
  frozenLock?: boolean;
  /** A `pulumi stack export` file to compare with. */
  against?: string;
}

export function parseArgs(argv: string[]): PlanOptions | string {
  const [command, ...rest] = argv;
  if (command !== "plan") return USAGE;
  let parsed;
  try {
    parsed = parseCommandLine({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        uri: { type: "string" },
        "no-libvirt": { type: "boolean" },
        "no-xml": { type: "boolean" },
        json: { type: "boolean" },
        stack: { type: "string" },
        lock: { type: "string" },
        "no-lock": { type: "boolean" },
        "frozen-lock": { type: "boolean" },
        against: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const unknown = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /'([^']+)'/.exec(message)?.[1] : undefined;
    return `${unknown ? `unknown option ${unknown}` : message}\n\n${USAGE}`;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length > 1) return USAGE;
  if (values["no-lock"] && (values.lock || values["frozen-lock"])) return `--no-lock cannot go with --lock or --frozen-lock\n\n${USAGE}`;
  return {
    program: positionals[0] ?? "examples/nfv-host",
    uri: values.uri ?? "test:///default",
    libvirt: !values["no-libvirt"],
    xml: !values["no-xml"],
    ...(values.json ? { json: true } : {}),
    ...(values.stack ? { stack: values.stack } : {}),
    ...(values.lock ? { lock: values.lock } : {}),
    ...(values["no-lock"] ? { noLock: true } : {}),
    ...(values["frozen-lock"] ? { frozenLock: true } : {}),
    ...(values.against ? { against: values.against } : {}),
  };
}

/** A stack whose config Pulumi would refuse, or a program that stopped with Pulumi's own error (a required config key not set). */
const stoppedMessage = (e: unknown): string | undefined =>
  !(e instanceof VirtkitValidationError) && (e instanceof StackConfigError || pulumi.RunError.isInstance(e)) ? (e as Error).message : undefined;

/** Runs `virtkit plan`; returns the exit code. */
export async function plan(options: PlanOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  if (options.json) return planJson(options, out);
  let run;
  try {
    run = await planWithLock(options);
  } catch (e) {
    if (e instanceof VirtkitValidationError) {
      out(`virtkit plan: the program is invalid; nothing would be created.\n\n${e.message}\n`);
      return 1;
    }
    const stopped = stoppedMessage(e);
    if (stopped === undefined) throw e;
    out(`virtkit plan: error: ${stopped}\n`);
    return 1;
  }
  const { result, config } = run;
  const section = (title: string, body: string) => out(`\n== ${title}\n${body}\n`);
  section(`config (project ${config.project}, stack ${config.stack})`, [config.stackFile ?? "no stack file: the project's defaults only", ...config.notes].join("\n"));
  section(`resources (${result.resources.length})`, formatResources(result));
  section("placement", formatPlacement(result));
  section("capacity", formatCapacity(result));
  const warnings = [...result.networks, ...result.vms].flatMap((c) => c.warnings.map((w) => `${c.component}: ${w}`));
  if (warnings.length) section("warnings", warnings.join("\n"));
  if (run.lock) section(`placement lock ${run.lock.file} (stack ${run.lock.stack})`, formatLockOutcomes(result));
  if (run.sinceLock) section("what each change since the lock does", formatChanges(run.sinceLock));
  if (run.against) section(`what each change against ${options.against} does`, formatChanges(run.against));
  if (options.xml) for (const net of result.networks) section(`network XML of ${net.component}`, net.networkXml.trimEnd());
  if (options.xml) for (const vm of result.vms) section(`domain XML of ${vm.component}`, vm.domainXml.trimEnd());
  let refused: LibvirtVerdict[] = [];
  if (options.libvirt) {
    const verdicts = checkWithLibvirt(result.vms, options.uri, result.networks);
    section(
      `libvirt (${options.uri})`,
      table(
        ["component", "checks", "verdict"],
        verdicts.map((v) => [v.vm, v.checks.join(", "), v.ok ? `accepted: ${v.message}` : `REFUSED: ${v.message.split("\n")[0]}`]),
      ),
    );
    refused = verdicts.filter((v) => !v.ok);
    for (const v of refused) out(`\n${v.vm}: libvirt refused the ${v.vm.startsWith("VirtualNetwork") ? "network" : "domain"}:\n${v.message}\n`);
  }
  const saved = saveLock(run, options, refused.length === 0);
  if (saved.message) out(`\n${saved.message}\n`);
  return refused.length || !saved.ok ? 1 : 0;
}

/** `virtkit plan --json`: the same facts as the text report, as one document. */
async function planJson(options: PlanOptions, out: (s: string) => void): Promise<number> {
  const print = (doc: unknown) => out(`${JSON.stringify(doc, null, 2)}\n`);
  let run;
  try {
    run = await planWithLock(options);
  } catch (e) {
    const stopped = stoppedMessage(e);
    if (stopped !== undefined) print({ program: options.program, valid: false, error: stopped });
    else if (e instanceof VirtkitValidationError) print({ program: options.program, valid: false, invalid: { component: e.component, issues: e.issues } });
    else throw e;
    return 1;
  }
  const { result, config } = run;
  const verdicts = options.libvirt ? checkWithLibvirt(result.vms, options.uri, result.networks) : [];
  const saved = saveLock(run, options, verdicts.every((v) => v.ok));
  print({
    program: options.program,
    valid: true,
    config: { project: config.project, stack: config.stack, ...(config.stackFile ? { file: config.stackFile } : {}), placeholders: config.placeholders, notes: config.notes },
    resources: result.resources.map((r) => ({ kind: r.custom ? "resource" : "component", type: r.type, name: r.name })),
    vms: result.vms.map((vm) => ({
      component: vm.component,
      host: vm.host,
      domainName: vm.domainName,
      placement: vm.report,
      ...(vm.lockOutcome ? { lock: vm.lockOutcome } : {}),
      warnings: vm.warnings,
      ...(options.xml ? { domainXml: vm.domainXml } : {}),
    })),
    networks: result.networks.map((n) => ({ component: n.component, host: n.host, networkName: n.networkName, warnings: n.warnings, ...(options.xml ? { networkXml: n.networkXml } : {}) })),
    capacity: [...new Set(result.hosts.flatMap((h) => (h.ledger ? [h.ledger] : [])))].map(capacityReport),
    lock: run.lock ? { file: run.lock.file, stack: run.lock.stack, written: saved.written, ...(saved.ok ? {} : { problem: saved.message }) } : undefined,
    changes: { sinceLock: run.sinceLock, ...(run.against ? { against: { file: options.against, changes: run.against } } : {}) },
    libvirt: options.libvirt ? { uri: options.uri, verdicts } : undefined,
  });
  return verdicts.some((v) => !v.ok) || !saved.ok ? 1 : 0;
}

/** A plan with its lock: the run's result, the lock's new text, and the changes since the lock and against an export. */
interface LockedPlan {
  readonly result: ProgramPlan;
  readonly config: PlanConfig;
  readonly lock?: { readonly file: string; readonly stack: string; readonly text: string; readonly changed: boolean };
  readonly sinceLock?: ResourceChange[];
  readonly against?: ResourceChange[];
}

/**
 * Runs the program honouring the lock. The first run lets a new VM take the share of a locked
 * VM not declared before it; when the program no longer declares some locked VMs (removed:
 * their share is free) or a VM took such a share, it runs again with the lock pruned to the
 * VMs it declares and kept strictly, as `pulumi up` will keep the lock `virtkit plan` writes.
 */
async function planWithLock(options: PlanOptions): Promise<LockedPlan> {
  const config = planConfig(options.program, options.stack);
  const stack = config.stack;
  const against = options.against ? readStackExport(options.against) : undefined;
  // the last run's lock, which the placeholder check runs again with
  let lastLock: ProgramLock | null = null;
  const runProgramWith = (lock: ProgramLock | null) => {
    lastLock = lock;
    return runUnderConfig(options.program, config, lock);
  };
  const finish = async (p: Omit<LockedPlan, "config">): Promise<LockedPlan> => {
    await sameWithOtherPlaceholders(options.program, config, lastLock, p.result);
    return { ...p, config, ...(against ? { against: changesAgainstExport(p.result, against) } : {}) };
  };
  if (options.noLock) return finish({ result: await runProgramWith(null) });
  const file = lockFilePath(options.program, options.lock);
  const exists = existsSync(file);
  let lockFile;
  try {
    lockFile = readLockFile(file);
  } catch (e) {
    throw e instanceof LockFileError ? lockFileProblem(e) : e;
  }
  const section = lockFile.stacks[stack];
  let result = await runProgramWith({ ...programLockOf(file, stack, lockFile, exists), takeLockedShares: true });
  const removed = removedFromLock(section, result);
  const tookShares = result.vms.some((vm) => vm.tookLockedShare);
  if (section && (removed.vms.length > 0 || tookShares)) {
    result = await runProgramWith(programLockOf(file, stack, lockFile, exists, withoutRemoved(section, removed.vms)));
  }
  const text = updatedLockText(lockFile, stack, stackSectionOf(result));
  const changed = !exists || readFileSync(file, "utf8") !== text;
  return finish({ result, lock: { file, stack, text, changed }, ...(exists ? { sinceLock: changesSinceLock(result, section) } : {}) });
}

/** A run; with a secret left as a placeholder, a failure that names the placeholder is the secret's fault. */
async function runUnderConfig(program: string, config: PlanConfig, lock: ProgramLock | null): Promise<ProgramPlan> {
  try {
    return await runProgram(program, { config, lock });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (config.placeholders.some((k) => message.includes(config.values[k]))) throw secretDependence(config, message.split("\n")[0]);
    throw e;
  }
}

/** A placeholder is kept only when the plan does not depend on it: the program runs again with other stand-ins, and must plan the same. */
async function sameWithOtherPlaceholders(program: string, config: PlanConfig, lock: ProgramLock | null, result: ProgramPlan): Promise<void> {
  if (!config.placeholders.length) return;
  const other = withOtherPlaceholders(config, program);
  let again: ProgramPlan;
  try {
    again = await runProgram(program, { config: other, lock });
  } catch (e) {
    throw secretDependence(config, (e instanceof Error ? e.message : String(e)).split("\n")[0]);
  }
  if (planFingerprint(again, config.placeholders) !== planFingerprint(result, config.placeholders)) throw secretDependence(config);
}

/** Writes the lock when it changed and the plan passed; with --frozen-lock a change is an error instead. */
function saveLock(run: LockedPlan, options: PlanOptions, passed: boolean): { ok: boolean; written: boolean; message?: string } {
  const lock = run.lock;
  if (!lock) return { ok: true, written: false };
  if (!lock.changed) return { ok: true, written: false, message: `placement lock: ${lock.file} (stack ${lock.stack}) is up to date` };
  if (options.frozenLock) return { ok: false, written: false, message: `placement lock: ${lock.file} (stack ${lock.stack}) would change, and --frozen-lock forbids writing it; run virtkit plan without it` };
  if (!passed) return { ok: true, written: false, message: `placement lock: ${lock.file} not written, libvirt refused a domain` };
  writeLockText(lock.file, lock.text);
  return { ok: true, written: true, message: `placement lock: wrote ${lock.file} (stack ${lock.stack})` };
}
