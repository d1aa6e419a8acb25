import { execFile } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";

// The runtime's feature flags, set from the engine's answers before the program runs; the
// SDK declares no types for this module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as { getStore(): { supportsErrorHooks?: boolean } };

/**
 * Naming the host in a failed operation. The engine labels a provider's error with the
 * resource's type and name only (`libvirt:index:Domain (a)`), so in a fleet a stopped libvirtd
 * reads like a fault of that VM. Every resource made on a host carries an error hook of that
 * host, which adds one line under the host's own component: which host, which URI, what failed,
 * and what to do about an unreachable daemon. The hook never retries.
 */

/** What the engine tells an error hook about the operation that failed. */
export interface FailedOperation {
  /** The resource's type token, e.g. `libvirt:index/domain:Domain` or a dynamic resource's. */
  readonly type: string;
  readonly name: string;
  /** "create", "update" or "delete". */
  readonly failedOperation: string;
  /** The errors seen so far, newest first. */
  readonly errors: readonly string[];
}

/** libvirt's words when the daemon behind a URI cannot be reached (socket gone, refused, or dropped mid-call). */
const UNREACHABLE = [
  /Failed to connect socket/i,
  /Connection refused/i,
  /cannot recv data/i,
  /End of file while reading data/i,
  /client socket is closed/i,
  /failed to connect to the hypervisor/i,
  /Cannot write data: Broken pipe/i,
  /no connection driver available/i,
];

export const looksUnreachable = (error: string): boolean => UNREACHABLE.some((pattern) => pattern.test(error));

/** `libvirt:index/domain:Domain` → `Domain`; a dynamic resource's `…:LivePinning` → `LivePinning`. */
const kindOf = (type: string): string => type.slice(type.lastIndexOf(":") + 1).replace(/^.*\//, "");

const PAST = new Map([
  ["create", "created"],
  ["update", "updated"],
  ["delete", "deleted"],
]);

/**
 * The line the host's error hook logs: host, URI (when it is a plain string), what failed,
 * the provider's words, and the way out when the daemon cannot be reached. `reachError` is
 * what connecting to the host said just after the failure (undefined: it answered, or was not asked).
 */
export function describeHostFailure(host: string, uri: string | undefined, failure: FailedOperation, reachError?: string): string {
  const where = uri === undefined ? `host ${host}` : `host ${host} (${uri})`;
  const what = `${kindOf(failure.type)} "${failure.name}" could not be ${PAST.get(failure.failedOperation) ?? failure.failedOperation}`;
  const words = (failure.errors[0] ?? "no error text").trim().replace(/\.$/, "");
  const unreachable = reachError !== undefined || looksUnreachable(words);
  const advice = unreachable
    ? ` The libvirt daemon of ${host} cannot be reached${reachError ? ` (${reachError})` : ""}: start it (or correct the URI), then run \`pulumi up\` again;` +
      " resources on other hosts are not affected (`pulumi up --continue-on-error` goes on with them)."
    : "";
  return `on ${where}: ${what}: ${words}.${advice}`;
}

/**
 * Whether the host answers now, asked with `virsh` (libvirt's client, which `virtkit facts`
 * uses too): undefined when it does, or when there is no virsh to ask; else virsh's first
 * error line. Provider 0.9.7 reports a daemon that went away mid-run as "invalid argument",
 * so the hook asks rather than reading the provider's words. Never prompts (no stdin), and
 * gives up after 10 s.
 */
export function reachErrorOf(uri: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("virsh", ["-q", "-c", uri, "uri"], { timeout: 10_000, env: { ...process.env, LC_ALL: "C" } }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return resolve(undefined);
      const line = stderr.split("\n").map((l) => l.replace(/^error:\s*/, "").trim()).find((l) => l && !/^failed to connect to the hypervisor$/i.test(l));
      resolve(line ?? (error.killed ? "no answer within 10 s" : "virsh could not connect"));
    });
  });
}

/**
 * Whether this run's engine takes error hooks. The mock monitor (unit tests, `virtkit plan`)
 * has no call to register one, and an engine older than error hooks says so at start-up;
 * either way the resources go without the hook rather than fail.
 */
export function engineTakesErrorHooks(): boolean {
  const monitor = pulumi.runtime.getMonitor() as { registerErrorHook?: unknown } | undefined;
  return typeof monitor?.registerErrorHook === "function" && runtimeState.getStore().supportsErrorHooks === true;
}

/** The error hook of one host, logging under `logUnder` (the host's component); undefined where the engine takes none. */
export function hostErrorHook(host: string, uri: string | undefined, logUnder: pulumi.Resource): pulumi.ErrorHook | undefined {
  if (!engineTakesErrorHooks()) return undefined;
  return new pulumi.ErrorHook(`virtkit-host-${host}`, async (failure) => {
    const reachError = uri === undefined ? undefined : await reachErrorOf(uri);
    await pulumi.log.error(describeHostFailure(host, uri, failure, reachError), logUnder);
    return false;
  });
}
