import * as pulumi from "@pulumi/pulumi";
import { existsSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { currentRun, setProgramLock, type PlannedHost, type PlannedNetwork, type PlannedVm, type PlannedVolume, type ProgramLock } from "../../program/runContext";
import { planConfig } from "./configSecrets";
import { readProject, type ProgramConfig } from "./stackConfig";

/** A provider or component resource the program registered. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
}

export interface ProgramPlan {
  readonly resources: readonly PlannedResource[];
  readonly vms: readonly PlannedVm[];
  readonly networks: readonly PlannedNetwork[];
  readonly hosts: readonly PlannedHost[];
  readonly volumes: readonly PlannedVolume[];
  /** The program's stack outputs (its module exports), resolved. */
  readonly outputs: Record<string, unknown>;
}

/** How to run a program: its stack name (what `pulumi.getStack()` returns), its config and its placement lock. */
export interface RunOptions {
  /** Default: the project's selected stack, else its only stack file, else `dev` (ignored when `config` is given). */
  readonly stack?: string;
  /** The project name, stack and config values; default: what `pulumi preview` of the stack would give (planConfig). */
  readonly config?: ProgramConfig;
  /** The lock the run honours; default none (null). */
  readonly lock?: ProgramLock | null;
}

/** virtkit's own modules (sdk/ here, dist/sdk/ when built): never reloaded. */
const VIRTKIT_SOURCES = resolve(__dirname, "..", "..") + sep;

/** Modules a program run loaded, so a second run of the same program in this process loads them afresh. */
const programModules = new Set<string>();

/**
 * Runs a Pulumi program offline under Pulumi's mock engine: no CLI, no provider plugin,
 * nothing created. Every resource registration is recorded; provider outputs the program
 * reads (a volume's path, a domain's uuid) get stand-in values.
 */
export async function runProgram(programPath: string, options: RunOptions = {}): Promise<ProgramPlan> {
  const entry = programEntry(programPath);
  const config = options.config ?? planConfig(programPath, options.stack);
  const resources: PlannedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...standInOutputs(args.type, args.name, args.inputs) } };
      },
      call: (args) => args.inputs,
    },
    config.project,
    config.stack,
    false,
  );
  // the run's config replaces the last run's (Pulumi keeps it in its global store)
  pulumi.runtime.setAllConfig({ ...config.values }, [...config.secretKeys]);
  // this run's record (a new mock monitor is a new run)
  const program = currentRun();
  setProgramLock(options.lock ?? null);
  registerTypeScript();
  withoutPromiseStacks();
  // the program's own modules run again; virtkit and node_modules stay loaded (one copy of virtkit's registry)
  for (const m of programModules) delete require.cache[m];
  const before = new Set(Object.keys(require.cache));
  let exports: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(entry) as Record<string, unknown>;
  } finally {
    for (const m of Object.keys(require.cache)) if (!before.has(m) && !m.includes(`${sep}node_modules${sep}`) && !m.startsWith(VIRTKIT_SOURCES)) programModules.add(m);
  }
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) outputs[key] = await resolved(value);
  // the engine's own completion: every registration the program started has been answered
  await pulumi.runtime.disconnect();
  return { resources, vms: [...program.vms], networks: [...program.networks], hosts: [...program.hosts], volumes: [...program.volumes], outputs };
}

/**
 * A program is a Pulumi project directory (its Pulumi.yaml's `main:`, else its index.ts), another
 * directory with index.ts or index.js, or a .ts/.js file.
 */
export function programEntry(path: string): string {
  let full = resolve(path);
  const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(full, f)).find((f) => existsSync(f));
  const main = projectFile ? readProject(projectFile).main : undefined;
  if (main) full = main;
  if (existsSync(full) && statSync(full).isDirectory()) {
    for (const f of ["index.ts", "index.js"]) if (existsSync(join(full, f))) return join(full, f);
    throw new Error(`${main ? `${path}: main ${main}` : path} has no index.ts or index.js`);
  }
  if (!existsSync(full)) throw new Error(`${main ? `${path}: main ${main}` : path} does not exist`);
  return full;
}

function standInOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "libvirt:index/volume:Volume":
    case "pulumi-nodejs:dynamic/virtkit:LuksVolume":
      return { path: `/var/lib/libvirt/images/${String(inputs.name ?? name)}`, key: `/var/lib/libvirt/images/${String(inputs.name ?? name)}` };
    case "libvirt:index/domain:Domain":
      return { uuid: `00000000-0000-4000-8000-${hex12(name)}` };
    default:
      return {};
  }
}

function hex12(s: string): string {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(12, "0").slice(-12);
}

let tsRegistered = false;

/** Lets `require` load the user's TypeScript program, the way Pulumi's Node.js runtime does (ts-node). */
function registerTypeScript(): void {
  if (tsRegistered || process.env.VIRTKIT_NO_TS_NODE) return;
  let tsNode: typeof import("ts-node");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    tsNode = require("ts-node");
  } catch {
    throw new Error("virtkit plan runs TypeScript programs with ts-node, which is not installed: npm install --save-dev ts-node typescript");
  }
  tsNode.register({ transpileOnly: true, compilerOptions: { module: "commonjs", target: "ES2022", esModuleInterop: true, useDefineForClassFields: false } });
  tsRegistered = true;
}

/**
 * Pulumi's runtime records a stack trace with each of its internal promises (dozens per
 * resource), only to name a promise left unsettled when the program exits. Capturing and
 * formatting them, through ts-node's source maps, was most of the CPU time of `virtkit plan`
 * on a large program (bench/README.md). The plan records them empty: a leak is still
 * reported, without its stack; stack traces of the program's own errors are untouched.
 */
function withoutPromiseStacks(): void {
  type Debuggable = { debuggablePromise?: ((p: Promise<unknown>, ctx: unknown) => Promise<unknown>) & { withoutStack?: true } };
  let debuggable: Debuggable;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;
  } catch {
    return; // another layout of Pulumi's runtime: nothing to lighten
  }
  const record = debuggable.debuggablePromise;
  if (typeof record !== "function" || record.withoutStack) return;
  const withoutStack = (p: Promise<unknown>, ctx: unknown) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return record(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  debuggable.debuggablePromise = Object.assign(withoutStack, { withoutStack: true as const });
}

async function resolved(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return new Promise((r) => (value as pulumi.Output<unknown>).apply((v) => r(v)));
  return value;
}
