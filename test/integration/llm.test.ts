import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { RedisNames } from '@netra/bus';
import { LlmClient, OpenAICompatibleProvider, RedisLlmCache, completeJson, type LlmCallRecord, type LlmClientOptions, type LlmRequest } from '@netra/llm';
import { registry } from '@netra/observability';
import { FakeLlmServer } from '../support/fake-llm.js';
import { deleteKeys, REDIS_URL } from '../support/services.js';

let server: FakeLlmServer;
let baseURL: string;
let redis: Redis;
const prefix = `t_llm_${randomBytes(4).toString('hex')}`;
const names = new RedisNames(prefix);
const clients: LlmClient[] = [];

beforeAll(async () => {
  server = new FakeLlmServer();
  baseURL = await server.start();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});

afterEach(() => {
  server.reset();
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await server.stop();
  redis.disconnect();
  await deleteKeys(REDIS_URL, `${prefix}:*`);
});

/** A client on the fake server with models a → b → local, fast timeouts and backoff. */
function client(options: Partial<LlmClientOptions> = {}, cache = true): { llm: LlmClient; calls: LlmCallRecord[] } {
  const provider = new OpenAICompatibleProvider({ baseURL, apiKey: 'test-key', timeoutMs: 10_000 });
  const space = randomBytes(4).toString('hex');
  const llm = new LlmClient({
    chain: [
      { provider, model: 'model-a' },
      { provider, model: 'model-b' },
    ],
    // Each client its own key space, so tests do not see each other's answers.
    ...(cache ? { cache: new RedisLlmCache(redis, (k) => names.llmCache(`${space}:${k}`), 60) } : {}),
    maxRetries: 2,
    timeoutMs: 300,
    backoff: { baseMs: 10, maxMs: 50 },
    breakers: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 400 },
    ...options,
  });
  clients.push(llm);
  const calls: LlmCallRecord[] = [];
  llm.on('call', (c) => calls.push(c));
  return { llm, calls };
}

function request(over: Partial<LlmRequest> = {}): LlmRequest {
  return {
    purpose: 'test',
    messages: [{ role: 'user', content: `question ${randomBytes(4).toString('hex')}` }],
    deterministic: () => 'deterministic answer',
    ...over,
  };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const value = m?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return typeof value?.value === 'number' ? value.value : 0;
}

describe('LlmClient with the OpenAI-compatible provider against a real HTTP server', () => {
  it('streams SSE tokens, reports usage, and serves the same request from the Redis cache', async () => {
    server.script = () => ({ kind: 'ok', content: 'The cheapest model that meets your bar is gpt-4o-mini.', usage: { prompt: 42, completion: 13 } });
    const cache = new RedisLlmCache(redis, (k) => names.llmCache(k), 60);
    const { llm, calls } = client({ cache });
    const deltas: string[] = [];
    const req = request({ onToken: (d) => deltas.push(d) });
    const hitsBefore = await metric('netra_llm_cache_total', { result: 'hit' });

    const first = await llm.complete(req);
    expect(first).toMatchObject({ provider: 'openai', model: 'model-a', fallback: false, cached: false, usage: { promptTokens: 42, completionTokens: 13 } });
    expect(first.text).toBe('The cheapest model that meets your bar is gpt-4o-mini.');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(first.text);
    expect(server.requests[0]).toMatchObject({ model: 'model-a', stream: true });

    const second = await llm.complete({ ...req, onToken: () => undefined });
    expect(second).toMatchObject({ text: first.text, cached: true, model: 'model-a' });
    expect(server.count()).toBe(1);
    expect(await metric('netra_llm_cache_total', { result: 'hit' })).toBe(hitsBefore + 1);
    expect(calls.map((c) => c.outcome)).toEqual(['ok', 'cached']);
  });

  it('retries 500 and 429 (honouring retry-after) with backoff, then answers from the same model', async () => {
    server.script = (_model, n) =>
      n === 1 ? { kind: 'status', status: 500 } : n === 2 ? { kind: 'status', status: 429, retryAfter: '0.2' } : { kind: 'ok', content: 'third time lucky' };
    // The breaker counts attempts: two failures must not reach its volume threshold here.
    const { llm, calls } = client({ breakers: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 400 } }, false);
    const started = performance.now();
    const result = await llm.complete(request());
    expect(result).toMatchObject({ text: 'third time lucky', model: 'model-a', fallback: false });
    expect(server.count('model-a')).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200); // waited for retry-after
    expect(calls.map((c) => c.outcome)).toEqual(['error', 'error', 'ok']);
  });

  it('does not retry a 400 and moves on to the next model', async () => {
    server.script = (model) => (model === 'model-a' ? { kind: 'status', status: 400 } : { kind: 'ok', content: 'from b' });
    const { llm } = client({}, false);
    const result = await llm.complete(request());
    expect(result).toMatchObject({ text: 'from b', model: 'model-b', fallback: true });
    expect(server.count('model-a')).toBe(1);
  });

  it('times out a hanging model, retries it, then falls back to the next model', async () => {
    server.script = (model) => (model === 'model-a' ? { kind: 'hang' } : { kind: 'ok', content: 'b answers' });
    const { llm, calls } = client({ maxRetries: 1 }, false);
    const started = performance.now();
    const result = await llm.complete(request());
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ text: 'b answers', model: 'model-b', fallback: true });
    expect(server.count('model-a')).toBe(2);
    expect(calls.filter((c) => c.model === 'model-a').map((c) => c.outcome)).toEqual(['timeout', 'timeout']);
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('retries a stream that breaks off', async () => {
    server.script = (_m, n) => (n === 1 ? { kind: 'cut', content: 'partial answer that will not finish' } : { kind: 'ok', content: 'whole answer' });
    const { llm } = client({}, false);
    const result = await llm.complete(request({ onToken: () => undefined }));
    expect(result).toMatchObject({ text: 'whole answer', model: 'model-a' });
    expect(server.count('model-a')).toBe(2);
  });

  it('opens the breaker after repeated failures, skips the model, then half-opens and closes on a good probe', async () => {
    let healthy = false;
    server.script = (model) => (model === 'model-a' && !healthy ? { kind: 'status', status: 503 } : { kind: 'ok', content: `ok from ${model}` });
    const { llm, calls } = client({ maxRetries: 0 }, false);

    for (let i = 0; i < 2; i++) expect((await llm.complete(request())).model).toBe('model-b');
    expect(llm.breakerState('openai', 'model-a')).toBe('open');
    expect(await metric('netra_llm_breaker_state', { provider: 'openai', model: 'model-a' })).toBe(2);

    // Open: model-a is not called at all.
    const before = server.count('model-a');
    const skipped = await llm.complete(request());
    expect(skipped).toMatchObject({ model: 'model-b', fallback: true });
    expect(server.count('model-a')).toBe(before);
    expect(calls.some((c) => c.model === 'model-a' && c.outcome === 'breaker_open')).toBe(true);

    // After resetTimeout: half-open; one probe goes through and, succeeding, closes the circuit.
    await new Promise((r) => setTimeout(r, 500));
    expect(llm.breakerState('openai', 'model-a')).toBe('halfOpen');
    healthy = true;
    const probe = await llm.complete(request());
    expect(probe).toMatchObject({ model: 'model-a', fallback: false, text: 'ok from model-a' });
    expect(llm.breakerState('openai', 'model-a')).toBe('closed');
    expect(await metric('netra_llm_breaker_state', { provider: 'openai', model: 'model-a' })).toBe(0);
  });

  it('a failed half-open probe opens the breaker again', async () => {
    server.script = (model) => (model === 'model-a' ? { kind: 'status', status: 500 } : { kind: 'ok', content: 'b' });
    const { llm } = client({ maxRetries: 0 }, false);
    await llm.complete(request());
    await llm.complete(request());
    expect(llm.breakerState('openai', 'model-a')).toBe('open');
    await new Promise((r) => setTimeout(r, 500));
    expect(llm.breakerState('openai', 'model-a')).toBe('halfOpen');
    await llm.complete(request());
    expect(llm.breakerState('openai', 'model-a')).toBe('open');
  });

  it('counts every attempt, retries included: a model failing in a row is cut off after consecutiveFailures attempts', async () => {
    server.script = (model) => (model === 'model-a' ? { kind: 'status', status: 503 } : { kind: 'ok', content: 'b' });
    // The window alone would need 100 calls; the streak opens the breaker within the first logical call.
    const { llm } = client({ maxRetries: 5, breakers: { volumeThreshold: 100, errorThresholdPercentage: 50, resetTimeoutMs: 60_000, consecutiveFailures: 3 } }, false);
    const result = await llm.complete(request());
    expect(result).toMatchObject({ model: 'model-b', fallback: true });
    expect(llm.breakerState('openai', 'model-a')).toBe('open');
    // Three attempts, not the six the retries allow: the open breaker ended the retries.
    expect(server.count('model-a')).toBe(3);
  });

  it('a half-open breaker with no traffic probes the model by itself and closes when it answers', async () => {
    let healthy = false;
    server.script = (model) => (model === 'model-a' && !healthy ? { kind: 'status', status: 503 } : { kind: 'ok', content: 'ok' });
    const { llm } = client({ maxRetries: 0, breakers: { volumeThreshold: 100, errorThresholdPercentage: 50, resetTimeoutMs: 200, consecutiveFailures: 2, probeAfterMs: 50 } }, false);
    await llm.complete(request());
    await llm.complete(request());
    expect(llm.breakerState('openai', 'model-a')).toBe('open');
    const calledBefore = server.count('model-a');
    healthy = true;
    // No call is made from here on: only the breaker's own probe can close it.
    await waitUntil(() => llm.breakerState('openai', 'model-a') === 'closed');
    expect(server.count('model-a')).toBe(calledBefore + 1);
  });

  it('falls back to the deterministic local provider when every model fails', async () => {
    server.script = () => ({ kind: 'status', status: 502 });
    const { llm } = client({ maxRetries: 0 }, false);
    const result = await llm.complete(request());
    expect(result).toMatchObject({ provider: 'local', model: 'local', text: 'deterministic answer', fallback: true });
  });

  it('aborts an in-flight call at once, without falling back and without counting against the model', async () => {
    server.script = () => ({ kind: 'hang' });
    const { llm } = client({ timeoutMs: 10_000, maxRetries: 0 }, false);
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    await expect(llm.complete(request({ signal: controller.signal }))).rejects.toThrow('run cancelled');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(server.count('model-b')).toBe(0);
    expect(llm.breakerState('openai', 'model-a')).toBe('closed');
  });

  it('never caches errors or truncated answers', async () => {
    server.script = (_m, n) => (n === 1 ? { kind: 'ok', content: 'cut off mid', finishReason: 'length' } : { kind: 'ok', content: 'complete' });
    const { llm } = client();
    const req = request();
    expect((await llm.complete(req)).finishReason).toBe('length');
    const second = await llm.complete(req);
    expect(second).toMatchObject({ text: 'complete', cached: false });
    expect((await llm.complete(req)).cached).toBe(true);
    expect(server.count('model-a')).toBe(2);
  });
});

describe('JSON answers', () => {
  const Schema = z.object({ intent: z.enum(['cost', 'latency']), days: z.number().int() });
  const json = (over: Partial<LlmRequest> = {}) => request({ deterministic: () => JSON.stringify({ intent: 'cost', days: 30 }), ...over });

  it('repairs fenced JSON with trailing commas', async () => {
    server.script = () => ({ kind: 'ok', content: 'Here you go:\n```json\n{"intent": "latency", "days": 7,}\n```' });
    const { llm } = client({}, false);
    const answer = await completeJson(llm, json(), Schema);
    expect(answer).toMatchObject({ value: { intent: 'latency', days: 7 }, source: 'model', calls: 1 });
    expect(server.requests[0]?.responseFormat).toEqual({ type: 'json_object' });
  });

  it('sends an invalid answer back with the validation error, and uses the corrected one', async () => {
    server.script = (_m, n) => (n === 1 ? { kind: 'ok', content: '{"intent": "speed", "days": 7}' } : { kind: 'ok', content: '{"intent": "latency", "days": 7}' });
    const { llm } = client({}, false);
    const answer = await completeJson(llm, json(), Schema);
    expect(answer).toMatchObject({ value: { intent: 'latency', days: 7 }, source: 'model', calls: 2 });
    const retry = server.requests[1]?.messages ?? [];
    expect(retry[retry.length - 1]?.content).toMatch(/intent/);
  });

  it('falls back to the deterministic answer when the model keeps answering garbage, and caches none of it', async () => {
    server.script = () => ({ kind: 'ok', content: 'I think you should use a cheaper model.' });
    const { llm } = client();
    const req = json();
    const answer = await completeJson(llm, req, Schema);
    expect(answer).toMatchObject({ value: { intent: 'cost', days: 30 }, source: 'deterministic' });
    expect(answer.result.provider).toBe('local');
    await completeJson(llm, req, Schema);
    expect(server.count('model-a')).toBe(4);
  });
});

/** Polls `condition` until it holds; the bound only stops a hang (it is not a speed assertion). */
async function waitUntil(condition: () => boolean, boundMs = 30_000): Promise<void> {
  const until = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 20));
  }
}
