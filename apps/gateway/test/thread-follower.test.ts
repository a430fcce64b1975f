import { randomUUID } from 'node:crypto';
import type { RunEventEnvelope } from '@netra/contracts';
import { ThreadFollower, type ThreadFollowerOptions } from '../src/events/follower.js';

const threadId = randomUUID();
const runA = randomUUID();
const runB = randomUUID();

function id(seq: number): string {
  return String(seq).padStart(16, '0');
}

interface Published {
  envelope: RunEventEnvelope;
  raw: string;
}

/** A deferred promise: tests open and close gates to interleave a replay with live events and drops. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * The thread's event log in memory, with the hooks the real one has no way to offer: pause a replay after its
 * n-th event, make reads fail, count what was read.
 */
class FakeLog {
  readonly events: Published[] = [];
  private seq = 1_000;
  read = 0;
  failReads = 0;
  pauseAfter: { count: number; gate: Promise<void>; reached: () => void } | undefined;
  headGate: Promise<void> | undefined;

  append(runId = runA, type: RunEventEnvelope['type'] = 'agent_token'): Published {
    this.seq += 1;
    const envelope: RunEventEnvelope = { eventId: id(this.seq), type, runId, threadId };
    const published = { envelope, raw: JSON.stringify({ ...envelope, ts: new Date(0).toISOString() }) };
    this.events.push(published);
    return published;
  }

  async *replay(_thread: string, after: string | null): AsyncGenerator<string> {
    if (this.failReads > 0) {
      this.failReads -= 1;
      throw new Error('connection is closed');
    }
    let index = 0;
    for (;;) {
      // Re-reads the array each step, like the real log's paging: events appended during a replay are read too.
      const next = this.events.filter((e) => after === null || e.envelope.eventId > after)[index];
      if (!next) return;
      index += 1;
      this.read += 1;
      yield next.raw;
      await Promise.resolve();
      const pause = this.pauseAfter;
      if (pause && index === pause.count) {
        this.pauseAfter = undefined;
        pause.reached();
        await pause.gate;
      }
    }
  }

  async head(): Promise<string | null> {
    const head = this.events.at(-1)?.envelope.eventId ?? null;
    if (this.headGate) await this.headGate;
    return head;
  }

  async whenReady(): Promise<void> {}
}

function harness(options: Partial<ThreadFollowerOptions> = {}) {
  const log = new FakeLog();
  const written: string[] = [];
  const follower = new ThreadFollower({
    threadId,
    log,
    startOf: async () => null,
    catchUpBackoffMs: 1,
    write: (_raw, envelope) => {
      written.push(envelope.eventId);
      return true;
    },
    ...options,
  });
  return { log, written, follower };
}

const ids = (events: Published[]) => events.map((e) => e.envelope.eventId);

describe('ThreadFollower (against a fake event log)', () => {
  it('replays after the position, then continues live; the seam is written once and in order', async () => {
    const { log, written, follower } = harness();
    const before = [log.append(), log.append(), log.append()];
    const paused = gate();
    const reached = gate();
    log.pauseAfter = { count: 1, gate: paused.promise, reached: reached.open };
    const resumed = follower.resume(before[0]?.envelope.eventId ?? null);
    await reached.promise;
    // Mid-replay: live events arrive — one the replay will also read (the seam), one after it.
    const seam = log.append();
    follower.live(seam.envelope, seam.raw);
    expect(follower.live(seam.envelope, seam.raw)).toBe(false);
    paused.open();
    const result = await resumed;
    const after = log.append();
    expect(follower.live(after.envelope, after.raw)).toBe(true);
    expect(written).toEqual(ids([...before.slice(1), seam, after]));
    expect(result.lastEventId).toBe(seam.envelope.eventId);
    expect(result.replayed).toBe(3);
  });

  it('drops duplicates and events at or before the position', async () => {
    const { log, written, follower } = harness();
    const [a, b] = [log.append(), log.append()];
    await follower.resume(a?.envelope.eventId ?? null);
    expect(written).toEqual(ids([b!]));
    expect(follower.live(a!.envelope, a!.raw)).toBe(false);
    expect(follower.live(b!.envelope, b!.raw)).toBe(false);
    const c = log.append();
    follower.live(c.envelope, c.raw);
    follower.live(c.envelope, c.raw);
    expect(written).toEqual(ids([b!, c]));
  });

  it('a resume without a position starts where startOf says (the unfinished runs)', async () => {
    const { log, written, follower } = harness({ startOf: async () => log.events[1]?.envelope.eventId ?? null });
    const events = [log.append(), log.append(), log.append(), log.append()];
    await follower.resume(undefined);
    expect(written).toEqual(ids(events.slice(2)));
  });

  it('fills the gap of a bus outage from the log, holding what arrives live until the catch-up is done', async () => {
    const { log, written, follower } = harness();
    await follower.anchor();
    const first = log.append();
    follower.live(first.envelope, first.raw);
    follower.disconnected();
    const lost = [log.append(), log.append()]; // published while pub/sub was down: never delivered live
    // Reconnected: pub/sub delivers the next event before the catch-up has read the gap.
    const paused = gate();
    const reached = gate();
    log.pauseAfter = { count: 1, gate: paused.promise, reached: reached.open };
    const caughtUp = follower.catchUp();
    await reached.promise;
    const next = log.append();
    expect(follower.live(next.envelope, next.raw)).toBe(false);
    paused.open();
    await caughtUp;
    expect(written).toEqual(ids([first, ...lost, next]));
    expect(follower.holding).toBe(false);
  });

  it('a drop in the middle of a replay: nothing is released until the catch-up after it', async () => {
    const { log, written, follower } = harness();
    const old = [log.append(), log.append()];
    const paused = gate();
    const reached = gate();
    log.pauseAfter = { count: 1, gate: paused.promise, reached: reached.open };
    const resumed = follower.resume(null);
    await reached.promise;
    follower.disconnected();
    paused.open();
    await resumed;
    // The replay is done but the bus is still down: live events (none can come) and the gap stay held.
    expect(follower.holding).toBe(true);
    const lost = log.append();
    const afterReconnect = log.append();
    follower.live(afterReconnect.envelope, afterReconnect.raw);
    expect(written).toEqual(ids(old));
    await follower.catchUp();
    expect(written).toEqual(ids([...old, lost, afterReconnect]));
  });

  it('a second drop during a catch-up keeps holding until the next catch-up', async () => {
    const { log, written, follower } = harness();
    await follower.resume(null);
    follower.disconnected();
    const paused = gate();
    const reached = gate();
    const e1 = log.append();
    log.append();
    log.pauseAfter = { count: 1, gate: paused.promise, reached: reached.open };
    const first = follower.catchUp();
    await reached.promise;
    follower.disconnected();
    paused.open();
    await first;
    expect(follower.holding).toBe(true);
    const e3 = log.append();
    await follower.catchUp();
    expect(follower.holding).toBe(false);
    expect(written.at(-1)).toBe(e3.envelope.eventId);
    expect(written[0]).toBe(e1.envelope.eventId);
    expect(written).toEqual(ids(log.events));
  });

  it('anchors at the head without delaying anything, and never loses an event that arrived before the head read', async () => {
    const { log, written, follower } = harness();
    log.append();
    log.append();
    const headRead = gate();
    log.headGate = headRead.promise;
    const anchored = follower.anchor();
    // The run's first event is published and arrives live before the head read answers (with that event).
    const started = log.append(runB, 'agent_started');
    expect(follower.live(started.envelope, started.raw)).toBe(false);
    headRead.open();
    await anchored;
    expect(written).toEqual(ids([started]));
    // The older events of the thread are not this socket's.
    expect(follower.lastEventId).toBe(started.envelope.eventId);
  });

  it('a slow socket: once the writer refuses, the follower closes and the replay stops reading', async () => {
    const log = new FakeLog();
    for (let i = 0; i < 500; i += 1) log.append();
    const written: string[] = [];
    const follower = new ThreadFollower({
      threadId,
      log,
      startOf: async () => null,
      write: (_raw, envelope) => {
        if (written.length >= 10) return false; // bufferedAmount over the bound: the socket was closed
        written.push(envelope.eventId);
        return true;
      },
    });
    await follower.resume(null);
    expect(written).toHaveLength(10);
    expect(follower.isClosed).toBe(true);
    expect(log.read).toBeLessThanOrEqual(12);
    const late = log.append();
    expect(follower.live(late.envelope, late.raw)).toBe(false);
    expect(written).toHaveLength(10);
  });

  it('bounds what it holds: past maxHeld the held events are read back from the log instead', async () => {
    const { log, written, follower } = harness({ maxHeld: 3 });
    const paused = gate();
    const reached = gate();
    log.append();
    log.pauseAfter = { count: 1, gate: paused.promise, reached: reached.open };
    const resumed = follower.resume(null);
    await reached.promise;
    for (let i = 0; i < 20; i += 1) {
      const e = log.append();
      follower.live(e.envelope, e.raw);
    }
    paused.open();
    await resumed;
    expect(written).toEqual(ids(log.events));
  });

  it('a catch-up that keeps failing closes the follower and reports it broken', async () => {
    const broken: unknown[] = [];
    const { log, written, follower } = harness({ onBroken: (error) => broken.push(error), catchUpAttempts: 3 });
    await follower.resume(null);
    follower.disconnected();
    log.failReads = 3;
    await follower.catchUp();
    expect(broken).toHaveLength(1);
    expect(follower.isClosed).toBe(true);
    const e = log.append();
    expect(follower.live(e.envelope, e.raw)).toBe(false);
    expect(written).toEqual([]);
  });

  it('a catch-up retries a failed read and then delivers the gap', async () => {
    const { log, written, follower } = harness({ catchUpAttempts: 3 });
    await follower.resume(null);
    follower.disconnected();
    const lost = log.append();
    log.failReads = 2;
    await follower.catchUp();
    expect(written).toEqual(ids([lost]));
    expect(follower.isClosed).toBe(false);
  });

  it('writes only the events the consumer accepts (one run, for SSE), yet moves past the others', async () => {
    const { log, written, follower } = harness({ accept: (e) => e.runId === runB });
    const a = log.append(runA);
    const b = log.append(runB);
    await follower.resume(null);
    const a2 = log.append(runA);
    follower.live(a2.envelope, a2.raw);
    expect(written).toEqual(ids([b]));
    expect(follower.lastEventId).toBe(a2.envelope.eventId);
    expect(a.envelope.eventId < b.envelope.eventId).toBe(true);
  });

  it('ignores events of another thread', () => {
    const { written, follower } = harness();
    const other: RunEventEnvelope = { eventId: id(5_000), type: 'agent_token', runId: runA, threadId: randomUUID() };
    expect(follower.live(other, JSON.stringify(other))).toBe(false);
    expect(written).toEqual([]);
  });
});
