import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { VirtkitValidationError, type ValidationIssue } from "../errors";
import { toIssues } from "../schema/validate";

/**
 * Inputs that need not be known while the program runs (URIs, MACs, image URLs, cloud-init
 * data, passwords) may be Pulumi Outputs or promises: a plain value is checked at once, with
 * the component's other problems; a later one is checked when it resolves, and a bad value
 * then fails the resources that use it with the same kind of error.
 */

/** Whether a value is known only later (an Output or a promise). */
export function isLater(value: unknown): value is pulumi.Output<unknown> | Promise<unknown> {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/** Collects the problems of a component's plain inputs; wraps the later ones in checks. */
export class InputChecks {
  readonly issues: ValidationIssue[] = [];

  constructor(readonly component: string) {}

  /** The value, parsed by `schema`: now when plain (a problem is collected), else when it resolves. */
  check<T>(value: pulumi.Input<T> | undefined, schema: z.ZodType<T>, path: string): pulumi.Input<T> | undefined {
    if (value === undefined) return undefined;
    if (isLater(value)) {
      return pulumi.output(value).apply((known) => {
        const parsed = schema.safeParse(known);
        if (!parsed.success) throw new VirtkitValidationError(this.component, toIssues(parsed.error, [path]));
        return parsed.data;
      }) as pulumi.Output<T>;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.issues.push(...toIssues(parsed.error, [path]));
    return undefined;
  }

  /** Records a problem found by other means. */
  add(path: string, reason: string): void {
    this.issues.push({ path, reason });
  }

  /** Throws one VirtkitValidationError with every problem collected, if any. */
  throwIfAny(): void {
    if (this.issues.length) throw new VirtkitValidationError(this.component, this.issues);
  }
}

/**
 * A field that must be a plain value while the program runs (it decides placement or names):
 * an Output there is refused with why.
 */
export function requirePlain(value: unknown, path: string, why: string): ValidationIssue | undefined {
  return isLater(value) ? { path, reason: `must be a plain value, not an Output or a promise: ${why}` } : undefined;
}
