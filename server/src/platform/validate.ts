import type { z } from 'zod';
import { AppError } from './errors.ts';

/** Parses outside input with a zod schema; the error names the first offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : where;
  throw new AppError('validation', `${field}: ${issue?.message ?? 'invalid'}`, {
    field,
    issues: result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  });
}
