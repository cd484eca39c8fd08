import { z } from 'zod';
import { AppError } from './errors';

/** A zod issue list in the shape clients see in `details`: one entry per offending field. */
export function issuesToDetails(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.join('.');
    // Name each unknown key as the offending field rather than the object holding it.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base || '(root)', message: issue.message }];
  });
}

/** Parses `input` or throws VALIDATION_FAILED naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationError(issuesToDetails(result.error), what);
}

/** VALIDATION_FAILED naming every offending field, for REST, RPC and WebSocket frames alike. */
export function validationError(details: { field: string; message: string }[], what: string): AppError {
  return new AppError('VALIDATION_FAILED', `Invalid ${what}: ${details.map((d) => d.field).join(', ')}`, { details });
}
