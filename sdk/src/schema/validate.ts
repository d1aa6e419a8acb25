import type { z } from "zod";
import { joinPath, VirtkitValidationError, type ValidationIssue } from "../errors";

/** Converts zod's issues into ours, keeping zod's order (field order). */
export function toIssues(error: z.ZodError, prefix: (string | number)[] = []): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: joinPath([...prefix, ...(i.path as (string | number)[])]),
    reason: i.message,
  }));
}

/**
 * Parses `input` with `schema`, or throws one `VirtkitValidationError` listing every problem.
 * `prefix` places the schema's paths inside a component's arguments (e.g. `["memory"]`).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, component: string, prefix: (string | number)[] = []): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new VirtkitValidationError(component, toIssues(result.error, prefix));
  return result.data;
}
