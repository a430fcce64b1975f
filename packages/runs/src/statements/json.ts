/** JSON text for a `::jsonb` parameter (outputs are zod-validated plain data; `undefined` fields drop out). */
export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}
