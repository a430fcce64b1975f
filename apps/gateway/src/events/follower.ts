import { RunEventEnvelope } from '@netra/contracts';

/**
 * What a follower reads the thread's log through: the event log in Redis in production (RunEventLog), a fake in
 * the unit tests. Events come back as the raw JSON strings that were published.
 */
export interface ThreadLog {
  /** Retained events of the thread strictly after `after` (all when null), oldest first. */
  replay(threadId: string, after: string | null): AsyncIterable<string>;
  /** The newest event id of the thread, or null when nothing was published yet. */
  head(threadId: string): Promise<string | null>;
  /** Resolves once the log's connection is usable again (after a Redis outage). */
  whenReady(): Promise<void>;
}

/**
 * Writes one event to the consumer. Returns false when the consumer is gone (socket closed, closed for being
 * slow, response ended): the follower then stops — no more replay reads, nothing more held.
 */
export type FollowerWriter = (raw: string, envelope: RunEventEnvelope) => boolean;

export interface ThreadFollowerOptions {
  threadId: string;
  log: ThreadLog;
  write: FollowerWriter;
  /** Where a follower without a position starts (`subscribe` without `after`, a catch-up before any event). */
  startOf: (threadId: string) => Promise<string | null>;
  /** Which events of the thread this consumer wants (e.g. one run's, for SSE). Default: all. */
  accept?: (envelope: RunEventEnvelope) => boolean;
  /** The catch-up after a reconnect failed for good: the consumer cannot be told what it missed. */
  onBroken?: (error: unknown) => void;
  /** Attempts of a catch-up (the log's connection may come back after the subscriber's). Default 5. */
  catchUpAttempts?: number;
  /** Pause before catch-up attempt n is `n × catchUpBackoffMs`. Default 200 ms. */
  catchUpBackoffMs?: number;
  /**
   * Live events kept while held (a replay or a bus outage in progress). Past it the held events are dropped and
   * read back from the log when the hold ends — they are all in the log — so a long hold cannot grow memory.
   * Default 1,000.
   */
  maxHeld?: number;
}

export interface ResumeResult {
  /** Events written by the replay. */
  replayed: number;
  /** The follower's position after the replay (null: the start of the thread's log). */
  lastEventId: string | null;
}

interface Held {
  envelope: RunEventEnvelope;
  raw: string;
}

/**
 * One consumer (a WebSocket, an SSE response) following one thread: every event exactly once, in event-id order,
 * whatever mix of log replay and live pub/sub produced it. It owns the whole resume path:
 *
 * - `live()`   — an event from pub/sub. Written at once, or held while a replay or an outage is in progress.
 * - `anchor()` — a new follower, live from "now": positioned at the thread's head, read concurrently (the accept
 *                path does not wait for it).
 * - `resume()` — `subscribe {after}` / SSE `Last-Event-ID`: replay from a position, then flush what was held.
 * - `disconnected()` / `catchUp()` — the event bus dropped / came back: hold from the drop, replay the gap from
 *                the position, then flush.
 *
 * Replays run one at a time (a chain of operations). Event ids grow strictly within a thread, so "write only ids
 * above the last written" removes the duplicates where replay and live overlap. Live events stay held until no
 * replay is running *and* no outage is un-caught-up: releasing them earlier would move the position past events
 * that pub/sub lost, and the catch-up would then skip them.
 */
export class ThreadFollower {
  readonly threadId: string;
  /** The newest event id written, or where the follower was positioned (null: the start of the thread's log). */
  lastEventId: string | null = null;
  /** Whether `lastEventId` is a known position (a follower that never wrote nor was positioned does not know). */
  positioned = false;
  private held: Held[] = [];
  /** Live events were dropped from `held` (over `maxHeld`): the release reads them back from the log. */
  private heldOverflow = false;
  /** Replay operations running or queued. */
  private replays = 0;
  /** The bus dropped and no catch-up has completed since. */
  private gap = false;
  /** Counts drops, so a catch-up that overlapped another drop does not clear the gap. */
  private drops = 0;
  private closed = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly options: Required<Omit<ThreadFollowerOptions, 'onBroken'>> & Pick<ThreadFollowerOptions, 'onBroken'>;

  constructor(options: ThreadFollowerOptions) {
    this.threadId = options.threadId;
    this.options = { accept: () => true, catchUpAttempts: 5, catchUpBackoffMs: 200, maxHeld: 1_000, ...options };
  }

  get holding(): boolean {
    return this.replays > 0 || this.gap;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A live event from pub/sub. Returns whether it was written now. */
  live(envelope: RunEventEnvelope, raw: string): boolean {
    if (this.closed || envelope.threadId !== this.threadId) return false;
    if (this.holding) {
      if (this.held.length >= this.options.maxHeld) {
        this.held = [];
        this.heldOverflow = true;
      }
      if (!this.heldOverflow) this.held.push({ envelope, raw });
      return false;
    }
    return this.emit(envelope, raw);
  }

  /**
   * Positions a new follower at the thread's head, live from now. The head is read at once (before the caller's
   * next step, e.g. accepting a message that will publish the run's first event) but nobody has to wait for it:
   * live events are held until it arrives. An event held meanwhile that is not after the head it read was
   * published before the read completed — it is written anyway (never lose what arrived live).
   * Resolves when positioned; never rejects (Redis down: the follower stays unpositioned, and a catch-up starts
   * from the thread's unfinished runs).
   */
  anchor(): Promise<void> {
    const head = this.options.log.head(this.threadId);
    // Swallowed here only to avoid an unhandled rejection while queued; the operation below awaits and handles it.
    head.catch(() => undefined);
    return this.operation(async () => {
      let position: string | null;
      try {
        position = await head;
      } catch {
        return;
      }
      const first = this.held[0];
      if (first && position !== null && first.envelope.eventId <= position) position = before(first.envelope.eventId);
      this.moveTo(position, false);
    }).catch(() => undefined);
  }

  /**
   * Replays the events after `after` — or, when `after` is undefined, from where the thread's unfinished runs
   * start — then flushes the held live events. `after` rewinds the follower (the client asks explicitly).
   */
  resume(after: string | null | undefined): Promise<ResumeResult> {
    return this.operation(async () => {
      const start = after !== undefined ? after : await this.options.startOf(this.threadId);
      this.moveTo(start, after !== undefined);
      const replayed = await this.replayFromPosition();
      return { replayed, lastEventId: this.lastEventId };
    });
  }

  /** The event bus dropped: hold live events until a catch-up has replayed what pub/sub loses meanwhile. */
  disconnected(): void {
    if (this.closed) return;
    this.gap = true;
    this.drops += 1;
  }

  /**
   * The event bus is back: replay from the position (from the unfinished runs when unpositioned), then release.
   * Retried; when every attempt fails the follower closes and `onBroken` is called.
   */
  catchUp(): Promise<void> {
    const drops = this.drops;
    return this.operation(async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.options.log.whenReady();
          if (!this.positioned) this.moveTo(await this.options.startOf(this.threadId), false);
          await this.replayFromPosition();
          // Another drop while this ran: its own catch-up (queued by the next reconnect) releases the hold.
          if (this.drops === drops) this.gap = false;
          return;
        } catch (error) {
          if (this.closed) return;
          if (attempt >= this.options.catchUpAttempts) throw error;
          await new Promise((resolve) => setTimeout(resolve, this.options.catchUpBackoffMs * attempt));
        }
      }
    }).catch((error: unknown) => {
      this.close();
      this.options.onBroken?.(error);
    });
  }

  /** Stops the follower: nothing more is written or held, a running replay stops at its next event. */
  close(): void {
    this.closed = true;
    this.held = [];
  }

  /**
   * Runs `task` after the earlier operations, holding live events while it runs; afterwards flushes what was held
   * once nothing holds any more. Replays must not interleave: each moves the position.
   */
  private operation<T>(task: () => Promise<T>): Promise<T> {
    this.replays += 1;
    const run = async (): Promise<T> => {
      try {
        return await task();
      } finally {
        this.replays -= 1;
        await this.release();
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Writes the held live events when nothing holds any more (re-reading the log if some were dropped). */
  private async release(): Promise<void> {
    while (!this.closed && !this.holding && (this.held.length > 0 || this.heldOverflow)) {
      if (this.heldOverflow) {
        // Everything dropped from `held` is in the log after our position: read it from there instead. Live
        // events arriving meanwhile are held again (a replay is counted as holding).
        this.heldOverflow = false;
        this.held = [];
        this.replays += 1;
        try {
          await this.replayFromPosition();
        } catch {
          // The log failed: what was dropped cannot be delivered. Close, so the consumer resumes from its position.
          this.close();
          this.options.onBroken?.(new Error('could not read held events back from the event log'));
          return;
        } finally {
          this.replays -= 1;
        }
        continue;
      }
      const held = this.held;
      this.held = [];
      for (const { envelope, raw } of held) this.emit(envelope, raw);
    }
  }

  private moveTo(position: string | null, rewind: boolean): void {
    if (rewind || !this.positioned || this.lastEventId === null || (position !== null && position > this.lastEventId)) {
      this.lastEventId = position;
    }
    this.positioned = true;
  }

  private async replayFromPosition(): Promise<number> {
    let written = 0;
    for await (const raw of this.options.log.replay(this.threadId, this.lastEventId)) {
      if (this.closed) break;
      const parsed = RunEventEnvelope.safeParse(JSON.parse(raw));
      // Not an event of this protocol (a foreign entry in the stream): skip it rather than stop the replay.
      if (parsed.success && this.emit(parsed.data, raw)) written += 1;
    }
    return written;
  }

  private emit(envelope: RunEventEnvelope, raw: string): boolean {
    if (this.closed) return false;
    if (this.lastEventId !== null && envelope.eventId <= this.lastEventId) return false;
    this.lastEventId = envelope.eventId;
    this.positioned = true;
    if (!this.options.accept(envelope)) return false;
    if (!this.options.write(raw, envelope)) {
      this.close();
      return false;
    }
    return true;
  }
}

/** The id just before `eventId` (ids are 16-digit, zero-padded sequence numbers). */
function before(eventId: string): string {
  return String(Math.max(0, Number(eventId) - 1)).padStart(eventId.length, '0');
}
