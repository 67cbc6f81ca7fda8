/** The `parse` option of the record logs: a record the schema accepts, else `undefined` (the log counts and skips it). */
import type { z } from 'zod';

export function parseWith<T>(schema: z.ZodType<T>): (value: unknown) => T | undefined {
  return (value) => {
    const r = schema.safeParse(value);
    return r.success ? r.data : undefined;
  };
}
