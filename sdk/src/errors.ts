import { RunError } from "@pulumi/pulumi";

/** One problem found in a spec: the dotted field path and why it is wrong. */
export interface ValidationIssue {
  /** Field path inside the component's arguments, e.g. `pinning.vcpus[3]`; empty for the whole spec. */
  readonly path: string;
  /** What is wrong and, where it helps, how to fix it. */
  readonly reason: string;
}

/**
 * Raised for input virtkit refuses, always before any resource is registered.
 * One error carries every problem of a spec, so a user fixes them in one pass.
 * A `RunError`, so the engine prints the message alone, not "unhandled exception" and a stack.
 */
export class VirtkitValidationError extends RunError {
  /** The component that refused, e.g. `PinnedVm "db"`. */
  readonly component: string;
  /** Path of the first problem (the one a caller most likely wants to show). */
  readonly path: string;
  /** Reason of the first problem. */
  readonly reason: string;
  /** Every problem found, in field order. */
  readonly issues: readonly ValidationIssue[];

  constructor(component: string, given: readonly ValidationIssue[]) {
    if (given.length === 0) throw new Error("VirtkitValidationError needs at least one issue");
    // a reason may quote what the user gave: a 100 kB name must not become a 100 kB message
    const issues = given.map((i) => ({ path: clip(i.path), reason: clip(i.reason) }));
    super(formatIssues(clip(component), issues));
    this.name = "VirtkitValidationError";
    this.component = clip(component);
    this.path = issues[0].path;
    this.reason = issues[0].reason;
    this.issues = issues;
  }
}

const MAX_TEXT = 400;
function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)`;
}

function formatIssues(component: string, issues: readonly ValidationIssue[]): string {
  const lines = issues.map((i) => (i.path ? `${i.path}: ${i.reason}` : i.reason));
  if (lines.length === 1) return `${component}: ${lines[0]}`;
  return `${component}: ${lines.length} problems\n${lines.map((l) => `  - ${l}`).join("\n")}`;
}

/** Joins path segments the way users write them: `a.b[2].c`. */
export function joinPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}
