// `virtkit recover`: after a `pulumi up` that was killed, brings the stack's state and its
// hosts back together so that the next `up` converges (recoveryPlan.ts says what and why).
import { spawnSync } from "node:child_process";
import { parseArgs as parseCommandLine } from "node:util";
import { nameOf, planRecovery, providerUrnOf, type ExportedDeployment, type LibvirtObjectRef, type RecoveryStep } from "./recoveryPlan";

const RECOVER_USAGE = `usage: virtkit recover [--cwd DIR] [--stack NAME] [--dry-run]

After \`pulumi up\` was killed (SIGKILL, a crash, a lost machine) with creates in flight: the
state lists them as pending, and the objects some of them made on their hosts belong to no
state, so the next \`up\` fails on them ("already exists"). This runs, in the Pulumi project:
  pulumi cancel; pulumi stack export (the pending creates; each looked up on its host by
  its libvirt name with virsh);
  virsh vol-delete of each pending volume found (its create never returned: nothing was
  written to it; a volume the state holds is never touched);
  pulumi refresh --import-pending-creates URN UUID ... --clear-pending-creates (networks,
  pools and domains found are imported by UUID, the rest cleared);
  pulumi import of any the refresh did not adopt, under the program's URN.
Then run \`pulumi up\`. The pulumi commands use the environment as it is (backend, passphrase).

  --cwd DIR     the Pulumi project (default: the current directory)
  --stack NAME  the stack (default: the selected one)
  --dry-run     print what would be run, run nothing but the export and the lookups`;

export interface RecoverOptions {
  cwd: string;
  stack?: string;
  dryRun: boolean;
}

export function parseRecoverArgs(argv: string[]): RecoverOptions | string {
  let parsed;
  try {
    parsed = parseCommandLine({ args: argv, strict: true, options: { cwd: { type: "string" }, stack: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    return `${(e as Error).message}\n\n${RECOVER_USAGE}`;
  }
  const { values } = parsed;
  if (values.help) return RECOVER_USAGE;
  return { cwd: values.cwd ?? process.cwd(), ...(values.stack ? { stack: values.stack } : {}), dryRun: values["dry-run"] ?? false };
}

/** A finished command: its exit status and output. */
export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How recovery reaches Pulumi and the hosts; tests give their own. */
export interface RecoverTools {
  pulumi(args: string[], cwd: string): Ran;
  virsh(uri: string, args: string[]): Ran;
}

const run = (command: string, args: string[], cwd?: string): Ran => {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, LC_ALL: "C" }, maxBuffer: 1 << 30 });
  if (r.error) return { status: null, stdout: "", stderr: r.error.message };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

export const systemTools: RecoverTools = {
  pulumi: (args, cwd) => run("pulumi", [...args, "--non-interactive"], cwd),
  virsh: (uri, args) => run("virsh", ["-q", "-c", uri, ...args]),
};

/** The virsh question that answers an object's UUID (or a volume's key) when the host has it. */
const LOOKUP: Record<LibvirtObjectRef["kind"], (o: LibvirtObjectRef) => string[]> = {
  network: (o) => ["net-uuid", o.name],
  pool: (o) => ["pool-uuid", o.name],
  domain: (o) => ["domuuid", o.name],
  volume: (o) => ["vol-key", "--pool", (o as LibvirtObjectRef & { pool: string }).pool, o.name],
};

export function lookupWith(tools: RecoverTools): (o: LibvirtObjectRef) => string | undefined {
  return (o) => {
    const r = tools.virsh(o.uri, LOOKUP[o.kind](o));
    const answer = r.stdout.trim().split("\n")[0]?.trim();
    return r.status === 0 && answer ? answer : undefined;
  };
}

const describeStep = (s: RecoveryStep): string =>
  s.action === "import"
    ? `import ${nameOf(s.urn)}: ${s.object.kind} "${s.object.name}" exists on ${s.object.uri} (UUID ${s.id})`
    : s.action === "deleteVolume"
      ? `delete ${nameOf(s.urn)}: volume ${s.object.pool}/${s.object.name} on ${s.object.uri}, whose create never returned`
      : `clear ${nameOf(s.urn)}: ${s.why}`;

const oneLine = (r: Ran): string => (r.stderr.trim() || r.stdout.trim()).split("\n").filter(Boolean).slice(-3).join(" | ");

/** Runs `virtkit recover`; returns the exit code. */
export function recover(options: RecoverOptions, tools: RecoverTools = systemTools, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const stack = options.stack ? ["--stack", options.stack] : [];
  const pulumi = (...args: string[]) => tools.pulumi([...args, ...stack], options.cwd);
  const exported = (): ExportedDeployment | string => {
    const r = pulumi("stack", "export", "--show-secrets");
    if (r.status !== 0) return `pulumi stack export failed: ${oneLine(r)}`;
    return (JSON.parse(r.stdout) as { deployment: ExportedDeployment }).deployment;
  };
  if (!options.dryRun) out(`pulumi cancel: ${oneLine(pulumi("cancel", "--yes")) || "done"}\n`);
  const before = exported();
  if (typeof before === "string") return fail(out, before);
  const steps = planRecovery(before, lookupWith(tools));
  if (!steps.length) {
    out("no pending creates: nothing to recover; run pulumi up\n");
    return 0;
  }
  for (const s of steps) out(`${describeStep(s)}\n`);
  const imports = steps.filter((s): s is Extract<RecoveryStep, { action: "import" }> => s.action === "import");
  const refresh = ["refresh", "--yes", "--skip-preview", ...imports.flatMap((s) => ["--import-pending-creates", s.urn, "--import-pending-creates", s.id]), "--clear-pending-creates"];
  if (options.dryRun) {
    for (const s of steps) if (s.action === "deleteVolume") out(`would run: virsh -c ${s.object.uri} vol-delete --pool ${s.object.pool} ${s.object.name}\n`);
    out(`would run: pulumi ${[...refresh, ...stack].join(" ")}\n`);
    return 0;
  }
  return applyRecovery(steps, imports, refresh, { tools, pulumi, exported, out });
}

interface Applying {
  tools: RecoverTools;
  pulumi: (...args: string[]) => Ran;
  exported: () => ExportedDeployment | string;
  out: (s: string) => void;
}

function applyRecovery(steps: RecoveryStep[], imports: Extract<RecoveryStep, { action: "import" }>[], refresh: string[], { tools, pulumi, exported, out }: Applying): number {
  for (const s of steps) {
    if (s.action !== "deleteVolume") continue;
    const r = tools.virsh(s.object.uri, ["vol-delete", "--pool", s.object.pool, s.object.name]);
    if (r.status !== 0) return fail(out, `virsh vol-delete of ${s.object.pool}/${s.object.name} failed: ${oneLine(r)}`);
  }
  const refreshed = pulumi(...refresh);
  if (refreshed.status !== 0) return fail(out, `pulumi ${refresh.join(" ")} failed: ${oneLine(refreshed)}`);
  out("pulumi refresh: pending creates imported or cleared\n");
  // Pulumi 3.248's refresh cleared, rather than imported, the creates it was told to import (a
  // real run's finding): each one the state does not hold yet is imported on its own
  const after = exported();
  if (typeof after === "string") return fail(out, after);
  const held = new Set((after.resources ?? []).map((r) => r.urn));
  for (const s of imports.filter((i) => !held.has(i.urn))) {
    const args = ["import", s.type, s.name, s.id, "--yes", "--skip-preview", "--generate-code=false", ...(s.parent ? ["--parent", `parent=${s.parent}`] : []), ...(s.provider ? ["--provider", `provider=${providerUrnOf(s.provider)}`] : [])];
    const r = pulumi(...args);
    if (r.status !== 0) return fail(out, `pulumi ${args.join(" ")} failed: ${oneLine(r)}`);
    out(`pulumi import: ${s.name} (${s.id})\n`);
  }
  out("recovered: run pulumi up\n");
  return 0;
}

function fail(out: (s: string) => void, message: string): number {
  out(`virtkit recover: ${message}\n`);
  return 1;
}
