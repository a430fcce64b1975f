import type { z } from 'zod';
import { ValidationError } from '@netra/contracts';

/** Parses input with its contract schema; a mismatch becomes a typed `invalid_message` error with the zod issues. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(result.error, what);
  return result.data;
}
