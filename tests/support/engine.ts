import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The real Pulumi engine for end-to-end tests: the CLI, the Node language host, the
 * terraform-provider bridge and the libvirt provider that `scripts/engine` builds into its
 * cache. Locally a missing engine skips these suites with a note; under CI it fails them.
 */

const root = join(__dirname, "..", "..");

/** The environment `scripts/engine env` sets, or why there is none. */
function readEngineEnv(): Record<string, string> | string {
  // let bash read what bash printed (values come shell-quoted), then diff with the environment
  const script = `eval "$(bash ${JSON.stringify(join(root, "scripts", "engine"))} env)" && node -e 'process.stdout.write(JSON.stringify(process.env))'`;
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 60 * 60 * 1000 });
  if (r.status !== 0) return `scripts/engine env failed: ${(r.stderr || r.stdout).trim()}`;
  const after = JSON.parse(r.stdout) as Record<string, string>;
  const env = Object.fromEntries(Object.entries(after).filter(([k, v]) => process.env[k] !== v && k !== "_" && k !== "SHLVL"));
  const pulumi = spawnSync("pulumi", ["version"], { encoding: "utf8", env: { ...process.env, ...env } });
  if (pulumi.status !== 0) return `the engine's pulumi does not run: ${pulumi.error?.message ?? pulumi.stderr}`;
  return env;
}

let engine: Record<string, string> | string | undefined;
export const engineEnv = (): Record<string, string> | string => (engine ??= readEngineEnv());

/** `describe` when the engine is built; otherwise a suite that fails under CI and is skipped (loudly) elsewhere. */
export function describeWithEngine(name: string, body: () => void): void {
  const env = engineEnv();
  if (typeof env !== "string") return describe(name, body);
  if (process.env.CI) {
    describe(name, () => {
      it("needs the real Pulumi engine (bash scripts/engine builds it; scripts/test runs it)", () => {
        throw new Error(env);
      });
    });
    return;
  }
   
  console.warn(`skipping "${name}": ${env} (run bash scripts/engine)`);
  describe.skip(name, body);
}

/**
 * `describe` for suites that need terraform-provider-libvirt at the binding's version, which
 * scripts/engine builds from the upstream source in ../shared/vendor where the Go module proxy
 * refuses it. Missing, the suite fails under CI like every missing part, and is skipped loudly
 * elsewhere.
 */
export function describeWithProvider(name: string, body: () => void): void {
  const env = engineEnv();
  const missing = typeof env === "string" ? undefined : env.VIRTKIT_LIBVIRT_PROVIDER_MISSING;
  if (!missing) return describeWithEngine(name, body);
  if (process.env.CI) {
    describe(name, () => {
      it("needs terraform-provider-libvirt from scripts/engine", () => {
        throw new Error(missing);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": ${missing} (run bash scripts/engine)`);
  describe.skip(name, body);
}

/**
 * `describe` for suites that run Pulumi YAML programs: the engine plus the pulumi-language-yaml
 * that `scripts/engine` builds. A YAML host that could not be had fails the suite under CI,
 * like any missing part, and skips it loudly elsewhere.
 */
export function describeWithYaml(name: string, body: () => void): void {
  const env = engineEnv();
  const missing = typeof env === "string" ? undefined : env.VIRTKIT_YAML_MISSING;
  if (!missing) return describeWithEngine(name, body);
  if (process.env.CI) {
    describe(name, () => {
      it("needs pulumi-language-yaml from scripts/engine", () => {
        throw new Error(missing);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": ${missing} (run bash scripts/engine)`);
  describe.skip(name, body);
}

export interface PulumiRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr, for messages. */
  readonly output: string;
}

/** A resource of a `pulumi stack export` document. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  protect?: boolean;
}

/** A `pulumi` run under way (PulumiProject.start). */
export interface PulumiChild {
  /** The CLI's pid, also its process group's id. */
  readonly pid: number;
  readonly done: Promise<PulumiRun>;
  /** What it printed so far. */
  readonly output: string;
  /** Sends `sig` to the CLI, or to its whole process group. */
  signal(sig: NodeJS.Signals, wholeGroup?: boolean): void;
  /** SIGKILLs whatever of its process group is still running (its plugins after the CLI died). */
  reap(): void;
}

/**
 * A Pulumi project of its own in the checkout's `.scratch/` (so `import "virtkit"` resolves to
 * this checkout, as for a program in the repository), with a file backend and passphrase
 * secrets in its own directory: nothing is shared with a user's Pulumi state.
 *
 * `parent` makes it elsewhere instead (under `os.tmpdir()`, outside the repository), where the
 * program resolves virtkit from the project's own node_modules as a user's program does; a
 * `tsconfig.json` in `files` replaces the one written here.
 */
export class PulumiProject {
  readonly dir: string;
  readonly stack = "e2e";

  constructor(name: string, files: Record<string, string>, parent = join(root, ".scratch")) {
    mkdirSync(parent, { recursive: true });
    this.dir = mkdtempSync(join(parent, `${name}-`));
    mkdirSync(join(this.dir, "state"));
    // `main`: without it, Pulumi's Node runtime runs the nearest package.json's entry point,
    // which inside the checkout is virtkit's own
    writeFileSync(join(this.dir, "Pulumi.yaml"), `name: ${name}\nmain: index.ts\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`);
    // ts-node type-checks the program against the built package (node16 resolution follows the
    // package's `exports`, so `import "virtkit"` is the checkout itself), not the tests' config
    writeFileSync(
      join(this.dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "node16", moduleResolution: "node16", esModuleInterop: true, skipLibCheck: true, types: ["node"] }, files: ["index.ts"] }),
    );
    this.write(files);
  }

  write(files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, name), text);
  }

  get env(): NodeJS.ProcessEnv {
    const env = engineEnv();
    if (typeof env === "string") throw new Error(env);
    return {
      ...process.env,
      ...env,
      PULUMI_BACKEND_URL: `file://${join(this.dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // plain output for assertions
      NO_COLOR: "1",
      CI: "true",
    };
  }

  pulumi(...args: string[]): PulumiRun {
    const r: SpawnSyncReturns<string> = spawnSync("pulumi", [...args, "--non-interactive", "--color", "never"], {
      cwd: this.dir,
      env: this.env,
      encoding: "utf8",
      timeout: 15 * 60 * 1000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}` };
  }

  /**
   * Starts `pulumi ARGS` without waiting for it, in a process group of its own (the CLI, its
   * language host and its providers), so that a test can signal it in the middle of a run:
   * `signal("SIGTERM")` is `kill PID` of the CLI (what a CI runner's cancel sends), `signal("SIGKILL",
   * true)` kills the whole group at once (the OOM killer, a lost machine: no plugin cleans up).
   * `done` resolves when the CLI exits; `reap()` then ends what is left of its group.
   */
  start(...args: string[]): PulumiChild {
    const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd: this.dir, env: this.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const pid = child.pid!;
    const done = new Promise<PulumiRun>((resolve) => child.on("close", (status, sig) => resolve({ status: status ?? (sig ? 128 : null), stdout, stderr, output: `${stdout}\n${stderr}` })));
    const group = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // the group is gone
      }
    };
    return {
      pid,
      done,
      get output() {
        return `${stdout}\n${stderr}`;
      },
      signal(sig: NodeJS.Signals, wholeGroup = false) {
        if (wholeGroup) group(sig);
        else if (child.exitCode === null) process.kill(pid, sig);
      },
      reap: () => group("SIGKILL"),
    };
  }

  /** The stack's state as `pulumi stack export` prints it. */
  exportState(): { deployment: { resources?: StateResource[]; pending_operations?: { resource: StateResource; type: string }[] } } {
    return JSON.parse(this.ok("stack", "export", "--show-secrets").stdout);
  }

  /** Runs a command that must succeed, failing with its whole output otherwise. */
  ok(...args: string[]): PulumiRun {
    const r = this.pulumi(...args);
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.status}:\n${r.output}`);
    return r;
  }

  init(config: Record<string, { value: string; secret?: boolean }> = {}): void {
    this.ok("stack", "init", this.stack, "--secrets-provider", "passphrase");
    for (const [key, { value, secret }] of Object.entries(config)) this.ok("config", "set", key, value, ...(secret ? ["--secret"] : []));
  }

  /** The steps `pulumi preview --json` plans: operation per resource type and name. */
  previewSteps(): { op: string; type: string; name: string; diffs?: string[]; replaceReasons?: string[] }[] {
    const r = this.pulumi("preview", "--json");
    let doc: { steps?: { op: string; urn: string; diffs?: string[]; replaceReasons?: string[] }[]; diagnostics?: { message: string; severity: string }[] };
    try {
      doc = JSON.parse(r.stdout);
    } catch {
      throw new Error(`pulumi preview --json printed no JSON (exit ${r.status}):\n${r.output}`);
    }
    if (r.status !== 0) throw new Error(`pulumi preview exited ${r.status}:\n${(doc.diagnostics ?? []).map((d) => d.message).join("\n")}`);
    return (doc.steps ?? []).map((s) => {
      const parts = s.urn.split("::");
      return { op: s.op, type: parts[2].split("$").pop()!, name: parts[3], diffs: s.diffs, replaceReasons: s.replaceReasons };
    });
  }

  /** What `preview` and `refresh` with `--expect-no-changes` found to change: "" for a stack that came up clean. */
  drift(): string {
    const preview = this.pulumi("preview", "--expect-no-changes", "--diff");
    const refresh = this.pulumi("refresh", "--yes", "--expect-no-changes", "--diff");
    return [preview, refresh].filter((r) => r.status !== 0).map((r) => r.output).join("\n");
  }

  outputs(): Record<string, unknown> {
    return JSON.parse(this.ok("stack", "output", "--json", "--show-secrets").stdout) as Record<string, unknown>;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A suite's last step: destroy what the stack still has (whatever a failed step left), then the project. */
  destroyAndRemove(): void {
    this.pulumi("destroy", "--yes", "--skip-preview");
    this.remove();
  }
}
