import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { NotificationFrame, RunEventEnvelope, type RunEvent, type RunEventDraft } from '@netra/contracts';
import { NOTIFICATION_PREFIX } from './notifications.js';
import { errorFields, logger } from '@netra/observability';
import { waitForRedis } from './connection.js';
import type { RedisNames } from './names.js';

/**
 * Appends events to threads' logs and publishes them, atomically per run: number each, store it in the thread's
 * stream under id `0-<seq>` (bounded by MAXLEN, expiring after the retention), and PUBLISH it to the user's channel.
 *
 * - A thread's numbering starts from the publisher's clock (ms × 1000) the first time, and again if Redis lost
 *   the counter (restart without AOF, expiry): ids keep growing, so a client's `after` never hides new events.
 * - Once a run's terminal event is out, nothing more is appended for that run: the terminal event is always the
 *   run's last, even when a cancelled worker is still winding down.
 * - "Once" events (the terminal one) are published at most once per run, however many attempts try.
 *
 * One call carries the appends of several runs (groups), done in order: a worker's concurrent runs reach their
 * step boundaries together (their checkpoints commit in one batch), and one script call for all of them costs
 * Redis and the client a fraction of one call each.
 *
 * KEYS: per group, its seq, stream and once-set keys
 * ARGV: maxlen, ttl, clock floor, then per group: channel, once-member ('' = none), event count, each event's
 *       JSON without its leading brace
 * Returns, per group, the published payloads (empty when the run's log is closed or the once-event was out).
 */
const APPEND_SCRIPT = `
local maxlen, ttl, floor = ARGV[1], ARGV[2], ARGV[3]
local out = {}
local a = 4
for g = 0, #KEYS / 3 - 1 do
  local seqKey, stream, onceKey = KEYS[3 * g + 1], KEYS[3 * g + 2], KEYS[3 * g + 3]
  local channel, once, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local first = a + 3
  a = first + n
  local published = {}
  local open = redis.call('SISMEMBER', onceKey, 'terminal') == 0
  if open and once ~= '' then
    if redis.call('SADD', onceKey, once) == 0 then open = false else redis.call('EXPIRE', onceKey, ttl) end
  end
  if open then
    if redis.call('EXISTS', seqKey) == 0 then redis.call('SET', seqKey, floor) end
    for i = first, first + n - 1 do
      local seq = redis.call('INCR', seqKey)
      local payload = '{"eventId":"' .. string.format('%016d', seq) .. '",' .. ARGV[i]
      redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '0-' .. string.format('%d', seq), 'e', payload)
      redis.call('PUBLISH', channel, payload)
      published[#published + 1] = payload
    end
    redis.call('EXPIRE', seqKey, ttl)
    redis.call('EXPIRE', stream, ttl)
  end
  out[g + 1] = published
end
return out
`;

/** Where the script puts the 16-digit event id in a payload: after `{"eventId":"`. */
const EVENT_ID_AT = '{"eventId":"'.length;

interface AppendCommand {
  /** ioredis custom command without a fixed key count: the first argument is the number of keys. */
  netraAppendEventBatch(keyCount: number, ...args: (string | number)[]): Promise<string[][]>;
}

/** One publishAll call waiting for the next script call. */
interface PendingAppend {
  keys: [seq: string, stream: string, once: string];
  channel: string;
  once: string;
  bodies: string[];
  resolve: (payloads: string[]) => void;
  reject: (error: unknown) => void;
}

export interface EventLogOptions {
  /** Seconds a thread's log is kept after its last event. Default 7 days. */
  retentionSeconds?: number;
  /** Approximate number of events kept per thread. Default 10,000. */
  maxLen?: number;
  /**
   * Most runs' appends one script call carries. Appends made in the same turn of the event loop go together
   * (flushed on `setImmediate`); a full batch goes at once. Default 64.
   */
  maxBatch?: number;
}

export interface PublishOptions {
  /**
   * Publish at most once per run under this key. `terminal` also closes the run's log: later events of the run
   * are dropped. Returns null when the event was not published.
   */
  once?: 'terminal';
}

function seqOf(eventId: string): number {
  return Number.parseInt(eventId, 10);
}

/**
 * A thread's event log in Redis: the write side (workers, and gateways for cancellations) and the read side
 * used to replay what a reconnecting client missed.
 */
export class RunEventLog {
  private readonly retentionSeconds: number;
  private readonly maxLen: number;
  private readonly maxBatch: number;
  private readonly redis: Redis & AppendCommand;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;

  constructor(
    redis: Redis,
    private readonly names: RedisNames,
    options: EventLogOptions = {},
  ) {
    this.retentionSeconds = options.retentionSeconds ?? 7 * 86_400;
    this.maxLen = options.maxLen ?? 10_000;
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    if (!('netraAppendEventBatch' in redis)) redis.defineCommand('netraAppendEventBatch', { lua: APPEND_SCRIPT });
    this.redis = redis as Redis & AppendCommand;
  }

  /** Numbers, stores and publishes the event for `userId`'s sockets; returns it with its `eventId` and `ts`. */
  async publish(userId: string, draft: RunEventDraft, options: PublishOptions = {}): Promise<RunEvent | null> {
    const [event] = await this.publishAll(userId, [draft], options);
    return event ?? null;
  }

  /**
   * Appends several events of one run, in order, in one round trip. Returns them with their ids, or an empty
   * list when the run's log is closed (its terminal event is out) or a "once" event was already published.
   */
  async publishAll(userId: string, drafts: readonly RunEventDraft[], options: PublishOptions = {}): Promise<RunEvent[]> {
    const first = drafts[0];
    if (!first) return [];
    if (drafts.some((d) => d.runId !== first.runId || d.threadId !== first.threadId)) {
      throw new Error('publishAll takes events of one run');
    }
    const ts = new Date().toISOString();
    // The script prepends `{"eventId":"…",` so each event is serialised once, here.
    const bodies = drafts.map((draft) => JSON.stringify({ ...draft, ts }).slice(1));
    const payloads = await new Promise<string[]>((resolve, reject) => {
      this.pending.push({
        keys: [this.names.threadEventSeq(first.threadId), this.names.threadEventLog(first.threadId), this.names.runOnceEvents(first.threadId, first.runId)],
        channel: this.names.userEvents(userId),
        once: options.once ?? '',
        bodies,
        resolve,
        reject,
      });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
    // What was published is `{"eventId":"<16 digits>",` + the body: the event is the draft with its id and time
    // (not parsed back: the agent_completed event alone carries the whole report).
    return payloads.map((payload, i) => ({ eventId: payload.slice(EVENT_ID_AT, EVENT_ID_AT + 16), ...drafts[i], ts }) as RunEvent);
  }

  /**
   * Sends the waiting appends in one script call, in the order they were made (a run's appends stay in order:
   * the script does the groups one after the other).
   */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const keys: string[] = [];
    const args: (string | number)[] = [this.maxLen, this.retentionSeconds, Date.now() * 1000];
    for (const append of batch) {
      keys.push(...append.keys);
      args.push(append.channel, append.once, append.bodies.length, ...append.bodies);
    }
    this.redis.netraAppendEventBatch(keys.length, ...keys, ...args).then(
      (published) => batch.forEach((append, i) => append.resolve(published[i] ?? [])),
      // Every caller of the batch gets the failure, as each would have with a call of its own (a lost connection
      // leaves it unknown whether the script ran, then as now).
      (error: unknown) => batch.forEach((append) => append.reject(error)),
    );
  };

  /**
   * Events of the thread strictly after `afterEventId` (all retained ones when null), oldest first, as the raw
   * JSON strings that were published. Reads in pages so a long log never blocks Redis.
   */
  async *replay(threadId: string, afterEventId: string | null, pageSize = 500): AsyncGenerator<string> {
    let cursor = afterEventId === null ? '-' : `(0-${seqOf(afterEventId)}`;
    for (;;) {
      const entries = await this.redis.xrange(this.names.threadEventLog(threadId), cursor, '+', 'COUNT', pageSize);
      for (const [, fields] of entries) {
        const payload = fields[1];
        if (payload !== undefined) yield payload;
      }
      const last = entries[entries.length - 1];
      if (!last || entries.length < pageSize) return;
      cursor = `(${last[0]}`;
    }
  }

  /**
   * The id of the first retained event of `runId`, scanning back from the newest event. Runs of a thread execute
   * one at a time, so an unfinished run's events are at the tail of the log.
   */
  async findRunStart(threadId: string, runId: string, maxScan = 5_000): Promise<string | null> {
    const key = this.names.threadEventLog(threadId);
    let end = '+';
    let scanned = 0;
    let earliest: string | null = null;
    while (scanned < maxScan) {
      const entries = await this.redis.xrevrange(key, end, '-', 'COUNT', 200);
      if (entries.length === 0) return earliest;
      for (const [id, fields] of entries) {
        scanned += 1;
        const payload = fields[1];
        if (payload === undefined) continue;
        const event = JSON.parse(payload) as { runId?: string; type?: string; eventId?: string };
        if (event.runId === runId && event.eventId) {
          earliest = event.eventId;
          if (event.type === 'agent_started') return earliest;
        }
        end = `(${id}`;
      }
    }
    return earliest;
  }

  /** Resolves once the log's connection is up (e.g. after a Redis restart; it may come back after the subscriber's). */
  whenReady(timeoutMs = 30_000): Promise<void> {
    return waitForRedis(this.redis, timeoutMs);
  }

  /** The newest event id of the thread, or null when nothing was published yet. */
  async head(threadId: string): Promise<string | null> {
    const seq = await this.redis.get(this.names.threadEventSeq(threadId));
    return seq === null ? null : seq.padStart(16, '0');
  }
}

export interface SubscriberEvents {
  /** `raw` is the event's JSON exactly as published, ready to be written to sockets. */
  event: [userId: string, envelope: RunEventEnvelope, raw: string];
  /** The subscriber connection dropped: live events may be missed until `resubscribed`. */
  disconnected: [];
  /** The subscriber connection came back after an outage: events published meanwhile were not received. */
  resubscribed: [];
  /** A `notification` frame for the user's sockets (notifications.ts), validated. */
  notification: [userId: string, frame: NotificationFrame];
}

/**
 * Receives run events for the users whose sockets this process holds. Subscriptions are reference-counted per
 * user, so a user with three tabs costs one channel. After a Redis outage it emits `resubscribed` so the caller
 * can catch up from the event log (pub/sub itself does not replay).
 */
export class RunEventSubscriber extends EventEmitter<SubscriberEvents> {
  private readonly refs = new Map<string, number>();
  private readonly byChannel = new Map<string, string>();
  private readonly log = logger.child({ component: 'event-subscriber' });
  private wasReady = false;
  /** True from a drop until the channels are subscribed again. */
  disconnected = false;

  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
  ) {
    super();
    redis.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    redis.on('close', () => {
      if (!this.wasReady || this.disconnected) return;
      this.disconnected = true;
      this.emit('disconnected');
    });
    redis.on('ready', () => {
      if (!this.wasReady) {
        this.wasReady = true;
        return;
      }
      // ioredis emits 'ready' first and re-sends SUBSCRIBE right after, in the same tick. A PING queued on the
      // next tick is answered only once those are processed, so a catch-up read started after its reply cannot
      // miss an event published in between.
      setImmediate(() => {
        redis.ping().then(
          () => {
            this.disconnected = false;
            this.emit('resubscribed');
          },
          (error: unknown) => this.log.warn('ping after reconnect failed', errorFields(error)),
        );
      });
    });
    if (redis.status === 'ready') this.wasReady = true;
  }

  async subscribeUser(userId: string): Promise<void> {
    const count = this.refs.get(userId) ?? 0;
    this.refs.set(userId, count + 1);
    if (count > 0) return;
    const channel = this.names.userEvents(userId);
    this.byChannel.set(channel, userId);
    await this.redis.subscribe(channel);
  }

  async unsubscribeUser(userId: string): Promise<void> {
    const count = this.refs.get(userId) ?? 0;
    if (count <= 1) {
      this.refs.delete(userId);
      const channel = this.names.userEvents(userId);
      this.byChannel.delete(channel);
      if (count === 1) await this.redis.unsubscribe(channel);
      return;
    }
    this.refs.set(userId, count - 1);
  }

  get userCount(): number {
    return this.refs.size;
  }

  private onMessage(channel: string, message: string): void {
    const userId = this.byChannel.get(channel);
    if (userId === undefined) return;
    // Notifications share the user's channel (one subscription per user serves both); they carry no thread.
    if (message.startsWith(NOTIFICATION_PREFIX)) {
      const frame = NotificationFrame.safeParse(JSON.parse(message));
      if (frame.success) this.emit('notification', userId, frame.data);
      else this.log.error('dropped a malformed notification', { channel, issues: frame.error.issues.length });
      return;
    }
    let envelope: RunEventEnvelope;
    try {
      // Events were validated by their publisher; only the routing fields are checked here.
      envelope = RunEventEnvelope.parse(JSON.parse(message));
    } catch (error) {
      this.log.error('dropped a malformed run event', { channel, ...errorFields(error) });
      return;
    }
    this.emit('event', userId, envelope, message);
  }
}
