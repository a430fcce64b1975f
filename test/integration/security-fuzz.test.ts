import fc from 'fast-check';
import { ClientFrame, type ServerFrame, type Thread } from '@netra/contracts';
import type { WsClient } from '../support/clients.js';
import { Stack } from '../support/stack.js';

// Random and oversized input at the running gateway: 10,000 frames of every shape, bodies and frames past every
// size limit, nesting a million levels deep. The gateway must answer each frame on its own merits, never crash,
// never log an internal error, and store nothing it refused.

const MAX_PAYLOAD = 64 * 1024;
const FRAMES = 10_000;
const BATCH = 250;
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);

let stack: Stack;
let thread: Thread;

beforeAll(async () => {
  stack = await Stack.start('secfuzz', {
    workers: 0,
    env: {
      WS_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
      // Limits high enough that the fuzzer measures validation, not the limiter (which still runs per frame).
      RATE_LIMIT_USER_REQUESTS: '1000000/60',
      RATE_LIMIT_USER_MESSAGES: '1000000/60',
    },
  });
  thread = (await (await stack.api('fuzzy')).post<Thread>('/api/v1/threads', { title: 'fuzz' })).body;
});

afterAll(async () => {
  await stack?.stop();
});

type Outcome = 'pong' | 'subscribed' | 'message_accepted' | 'not_found' | 'invalid_message';
interface Case {
  label: string;
  data: string | Uint8Array;
  expect: Outcome;
  clientMessageId?: string;
}

const json = (label: string, value: unknown, expect: Outcome, clientMessageId?: string): Case => ({
  label,
  data: JSON.stringify(value),
  expect,
  ...(clientMessageId === undefined ? {} : { clientMessageId }),
});

const extras = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const text = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim().length > 0 && !/\u0000|[\ud800-\udfff]/.test(s));
const clientMessageId = fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !/\u0000|[\ud800-\udfff]/.test(s));
const eventId = fc.bigInt({ min: 0n, max: 9_999_999_999_999_999n }).map((n) => n.toString().padStart(16, '0'));

/** Frames that are valid, with the answer each must get. */
function validFrames(threadId: string): fc.Arbitrary<Case> {
  return fc.oneof(
    { weight: 4, arbitrary: extras.map((e) => json('ping', { ...e, type: 'ping' }, 'pong')) },
    { weight: 1, arbitrary: fc.option(eventId, { nil: undefined }).map((after) => json('subscribe own', { type: 'subscribe', threadId, ...(after ? { after } : {}) }, 'subscribed')) },
    { weight: 1, arbitrary: fc.uuid().map((id) => json('subscribe unknown', { type: 'subscribe', threadId: id }, 'not_found')) },
    { weight: 1, arbitrary: fc.uuid().map((id) => json('stop unknown', { type: 'stop_agent', runId: id }, 'not_found')) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.uuid(), text, clientMessageId).map(([id, t, c]) => json('message to unknown thread', { type: 'user_message', threadId: id, text: t, clientMessageId: c }, 'not_found', c)),
    },
    {
      // A handful of real messages, resent often: each clientMessageId must always map to the same ids.
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 0, max: 7 }), text).map(([n, t]) => json('message', { type: 'user_message', threadId, text: t, clientMessageId: `c${n}` }, 'message_accepted', `c${n}`)),
    },
  );
}

/** A valid frame with one field broken: wrong type, out of range, missing, or an unknown frame type. */
function brokenFrames(threadId: string): fc.Arbitrary<Case> {
  const base = fc.constantFrom(
    { type: 'user_message', threadId, text: 'hello', clientMessageId: 'b1' },
    { type: 'subscribe', threadId, after: '0000000000000001' },
    { type: 'stop_agent', runId: threadId },
  );
  const badValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('', 'x'.repeat(32_001), 'not-a-uuid', '1'.repeat(17), 'a\u0000b', -1, 1e309, null, [], {}, true),
  );
  return fc.tuple(base, fc.constantFrom('type', 'threadId', 'runId', 'text', 'clientMessageId', 'after', 'strategy'), badValue, fc.boolean()).map(([frame, field, value, drop]) => {
    const broken: Record<string, unknown> = { ...frame };
    if (drop) delete broken[field];
    else broken[field] = value;
    const cmid = broken.clientMessageId;
    return {
      label: `broken ${String(frame.type)}.${field}`,
      data: JSON.stringify(broken),
      expect: 'invalid_message' as const,
      ...(typeof cmid === 'string' && cmid.length > 0 && cmid.length <= 64 ? { clientMessageId: cmid } : {}),
    };
  });
}

function garbageFrames(): fc.Arbitrary<Case> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => ({ label: 'random json', data: JSON.stringify(v) ?? 'null', expect: 'invalid_message' as const })),
    fc.string({ maxLength: 300 }).map((s) => ({ label: 'random text', data: s, expect: 'invalid_message' as const })),
    fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => ({ label: 'binary', data: b, expect: 'invalid_message' as const })),
    fc.integer({ min: 1, max: 5_000 }).map((n) => ({ label: 'deep nesting', data: `${'['.repeat(n)}${']'.repeat(n)}`, expect: 'invalid_message' as const })),
  );
}

/** The expected outcome, cross-checked with the contract: a "broken" or random frame that happens to be valid is skipped. */
function consistent(c: Case): boolean {
  if (c.expect !== 'invalid_message' || typeof c.data !== 'string') return true;
  try {
    return !ClientFrame.safeParse(JSON.parse(c.data)).success;
  } catch {
    return true;
  }
}

/** The socket's direct replies (not run events), collected incrementally: a batch's wait scans only new frames. */
class Replies {
  readonly list: ServerFrame[] = [];
  private scanned = 0;

  constructor(private readonly client: WsClient) {}

  get count(): number {
    for (; this.scanned < this.client.frames.length; this.scanned += 1) {
      const frame = this.client.frames[this.scanned]!;
      if (!('eventId' in frame)) this.list.push(frame);
    }
    return this.list.length;
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function outcome(frame: ServerFrame): string {
  return frame.type === 'error' ? frame.code : frame.type;
}

describe('10,000 random frames', () => {
  it('each gets the answer its shape calls for; the gateway never crashes and stores only the valid messages', async () => {
    const started = Date.now();
    const cases = fc
      .sample(fc.oneof({ weight: 3, arbitrary: validFrames(thread.id) }, { weight: 3, arbitrary: brokenFrames(thread.id) }, { weight: 4, arbitrary: garbageFrames() }), { numRuns: Math.round(FRAMES * 1.5), seed: SEED })
      .filter(consistent)
      .slice(0, FRAMES);
    expect(cases).toHaveLength(FRAMES);
    const generated = Date.now();
    const socket = await stack.ws('fuzzy');
    const ids = new Map<string, string>();
    const wrong: string[] = [];
    const replies = new Replies(socket);
    let seen = replies.count; // connection_established
    for (let i = 0; i < cases.length; i += BATCH) {
      const batch = cases.slice(i, i + BATCH);
      for (const c of batch) socket.sendRaw(typeof c.data === 'string' ? c.data : Buffer.from(c.data));
      await waitFor(() => replies.count >= seen + batch.length || socket.closeCode !== undefined, `replies to frames ${i}..${i + batch.length}`);
      expect(socket.closeCode).toBeUndefined();
      const got = replies.list.slice(seen, seen + batch.length);
      seen += batch.length;
      batch.forEach((c, j) => {
        const reply = got[j]!;
        if (outcome(reply) !== c.expect) wrong.push(`${c.label} ${String(c.data).slice(0, 80)} → ${JSON.stringify(reply).slice(0, 200)}`);
        if (c.clientMessageId !== undefined && 'clientMessageId' in reply && reply.clientMessageId !== c.clientMessageId) wrong.push(`${c.label}: clientMessageId not echoed`);
        if (reply.type === 'message_accepted') {
          const known = ids.get(reply.clientMessageId);
          if (known !== undefined && known !== reply.messageId) wrong.push(`${reply.clientMessageId} answered with two message ids`);
          ids.set(reply.clientMessageId, reply.messageId);
        }
      });
    }
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(socket.invalid).toEqual([]);

    const counts = new Map<string, number>();
    for (const c of cases) counts.set(c.expect, (counts.get(c.expect) ?? 0) + 1);
    process.stdout.write(`fuzz: ${FRAMES} frames (seed ${SEED}) generated in ${generated - started} ms, answered in ${Date.now() - generated} ms: ${JSON.stringify(Object.fromEntries(counts))}\n`);
    expect(counts.get('invalid_message')).toBeGreaterThan(FRAMES / 4);

    // Only the valid messages were stored, each once.
    expect(await stack.db.message.count()).toBe(ids.size);
    expect(await stack.db.run.count()).toBe(ids.size);
    expect(stack.gateway.process.running).toBe(true);
    expect((await fetch(`${stack.gateway.url}/health/live`)).status).toBe(200);
    expect(stack.gateway.process.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('oversized and pathological input', () => {
  it('refuses bodies over the limits with 413 and writes nothing', async () => {
    const api = await stack.api('fuzzy');
    const before = [await stack.db.thread.count(), await stack.db.usageEvent.count()];
    const big = await api.post('/api/v1/threads', JSON.stringify({ title: 'x'.repeat(1024 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { code: 'payload_too_large' } });
    const event = { id: 'e', timestamp: new Date().toISOString(), app: 'a', model: 'm', promptTokens: 1, completionTokens: 1, latencyMs: 1, status: 'ok', metadata: { pad: 'y'.repeat(4_000) } };
    const huge = JSON.stringify({ events: Array.from({ length: 4_500 }, (_, i) => ({ ...event, id: `e${i}` })) });
    expect(huge.length).toBeGreaterThan(16 * 1024 * 1024);
    expect((await api.post('/api/v1/usage-events', huge)).status).toBe(413);
    expect([await stack.db.thread.count(), await stack.db.usageEvent.count()]).toEqual(before);
  });

  it('refuses text and titles over their lengths, and a million-level nested body, with 400', async () => {
    const api = await stack.api('fuzzy');
    expect((await api.post(`/api/v1/threads/${thread.id}/messages`, { text: 'x'.repeat(32_001) })).status).toBe(400);
    expect((await api.post('/api/v1/threads', { title: 't'.repeat(201) })).status).toBe(400);
    const deep = `{"title":${'['.repeat(400_000)}${']'.repeat(400_000)}}`;
    expect((await api.post('/api/v1/threads', deep)).status).toBe(400);
    const deepMetadata = `{"events":[{"id":"d","timestamp":"2026-01-01T00:00:00Z","app":"a","model":"m","promptTokens":1,"completionTokens":1,"latencyMs":1,"status":"ok","metadata":{"d":${'{"d":'.repeat(200_000)}1${'}'.repeat(200_000)}}}]}`;
    const ingest = await api.post<{ accepted: number; rejected: number }>('/api/v1/usage-events', deepMetadata);
    expect(ingest.status).toBe(200);
    expect(ingest.body).toMatchObject({ accepted: 0, rejected: 1 });
    expect(stack.gateway.process.running).toBe(true);
  });

  it('closes a socket that sends a frame over WS_MAX_PAYLOAD_BYTES with 1009, and keeps serving others', async () => {
    const socket = await stack.ws('fuzzy');
    socket.send({ type: 'user_message', threadId: thread.id, text: 'x'.repeat(MAX_PAYLOAD), clientMessageId: 'big' });
    await waitFor(() => socket.closeCode !== undefined, 'the close');
    expect(socket.closeCode).toBe(1009);
    const fresh = await stack.ws('fuzzy');
    fresh.send({ type: 'ping' });
    await fresh.next((f) => f.type === 'pong');
    expect(await stack.db.message.count({ where: { clientMessageId: 'big' } })).toBe(0);
  });

  it('answers a text of 32,001 characters (under the frame limit) with invalid_message', async () => {
    const socket = await stack.ws('fuzzy');
    socket.send({ type: 'user_message', threadId: thread.id, text: 'x'.repeat(32_001), clientMessageId: 'long' });
    expect(await socket.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_message', clientMessageId: 'long' });
  });
});
