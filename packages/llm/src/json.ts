import type { z } from 'zod';
import type { LlmClient } from './client.js';
import type { LlmRequest, LlmResult } from './types.js';

/**
 * Reads a JSON object out of a model's answer, forgiving what models commonly get wrong: markdown code fences,
 * prose around the object, and trailing commas. Throws when nothing parseable remains.
 */
export function repairJson(text: string): unknown {
  let body = text.trim();
  const fenced = /```(?:json|JSON)?\s*([\s\S]*?)```/.exec(body);
  if (fenced?.[1] !== undefined) body = fenced[1].trim();
  const start = body.search(/[{[]/);
  const end = Math.max(body.lastIndexOf('}'), body.lastIndexOf(']'));
  if (start === -1 || end < start) throw new SyntaxError('no JSON object in the answer');
  body = body.slice(start, end + 1);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    // Trailing commas before a closing bracket (outside strings, which is where models put them).
    return JSON.parse(body.replace(/,(\s*[}\]])/g, '$1')) as unknown;
  }
}

export type JsonCheck<T> = { ok: true; value: T } | { ok: false; problem: string };

export function checkJson<T>(text: string, schema: z.ZodType<T>): JsonCheck<T> {
  let raw: unknown;
  try {
    raw = repairJson(text);
  } catch (error) {
    return { ok: false, problem: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}

export interface JsonAnswer<T> {
  value: T;
  /** `model`: a model's (possibly repaired) answer; `deterministic`: the rule-based answer. */
  source: 'model' | 'deterministic';
  result: LlmResult;
  /** Calls made: 1, or more when an invalid answer was sent back with its validation error. */
  calls: number;
}

/**
 * A JSON answer validated against `schema`. An invalid answer is repaired when possible, otherwise sent back to
 * the model once with the validation error; if that fails too, the request's deterministic answer is used — an
 * invalid answer is never returned (nor cached).
 */
export async function completeJson<T>(
  llm: LlmClient,
  request: Omit<LlmRequest, 'json' | 'accept'>,
  schema: z.ZodType<T>,
  options: { retries?: number } = {},
): Promise<JsonAnswer<T>> {
  const accept = (text: string) => checkJson(text, schema).ok;
  let messages = request.messages;
  const retries = options.retries ?? 1;
  let result: LlmResult | undefined;
  for (let call = 1; call <= retries + 1; call++) {
    result = await llm.complete({ ...request, messages, json: true, accept });
    const checked = checkJson(result.text, schema);
    if (checked.ok) return { value: checked.value, source: result.provider === 'local' ? 'deterministic' : 'model', result, calls: call };
    messages = [
      ...request.messages,
      { role: 'assistant', content: result.text },
      { role: 'user', content: `That answer is not valid: ${checked.problem}. Reply with only the corrected JSON object.` },
    ];
  }
  const value = schema.parse(JSON.parse(request.deterministic()));
  const last = result as LlmResult;
  return {
    value,
    source: 'deterministic',
    result: { ...last, text: request.deterministic(), provider: 'local', model: 'local', fallback: true, cached: false },
    calls: retries + 1,
  };
}
