import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { NotificationFrame, RunEventEnvelope, type RunEvent, type RunEventDraft } from '@netra/contracts';
import { NOTIFICATION_PREFIX } from './notifications.js';
import { errorFields, logger } from '@netra/observability';
import { waitForRedis } from './connection.js';
import type { RedisNames } from './names.js';

/**
 * Appends an event to the thread's log and publishes it, atomically: number it, store it in the thread's stream
 * under id `0-<seq>` (bounded by MAXLEN, expiring after the retention), and PUBLISH it to the user's channel.
 *
 * - A thread's numbering starts from the publisher's clock (ms × 1000) the first time, and again if Redis lost
 *   the counter (restart without AOF, expiry): ids keep growing, so a client's `after` never hides new events.
 * - Once a run's terminal event is out, nothing more is appended for that run: the terminal event is always the
 *   run's last, even when a cancelled worker is still winding down.
 * - "Once" events (the terminal one) are published at most once per run, however many attempts try.
 *
 * - Several events of one run may be appended in one call (in order): one round trip for, e.g., "triage
 *   completed" and "data running".
 *
 * KEYS: seq, stream, once-set
 * ARGV: channel, maxlen, ttl, once-member ('' = none), clock floor, then each event's JSON without its leading brace
 * Returns the published payloads, or false when nothing was appended.
 */
const APPEND_SCRIPT = `
if redis.call('SISMEMBER', KEYS[3], 'terminal') == 1 then return false end
if ARGV[4] ~= '' then
  if redis.call('SADD', KEYS[3], ARGV[4]) == 0 then return false end
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[5]) end
local out = {}
for i = 6, #ARGV do
  local seq = redis.call('INCR', KEYS[1])
  local id = string.format('%016d', seq)
  local payload = '{"eventId":"' .. id .. '",' .. ARGV[i]
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '0-' .. string.format('%d', seq), 'e', payload)
  redis.call('PUBLISH', ARGV[1], payload)
  out[#out + 1] = payload
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return out
`;

interface AppendCommand {
  netraAppendEvents(
    seqKey: string,
    streamKey: string,
    onceKey: string,
    channel: string,
    maxLen: number,
    ttl: number,
    once: string,
    floor: number,
    ...bodies: string[]
  ): Promise<string[] | null>;
}

export interface EventLogOptions {
  /** Seconds a thread's log is kept after its last event. Default 7 days. */
  retentionSeconds?: number;
  /** Approximate number of events kept per thread. Default 10,000. */
  maxLen?: number;
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
  private readonly redis: Redis & AppendCommand;

  constructor(
    redis: Redis,
    private readonly names: RedisNames,
    options: EventLogOptions = {},
  ) {
    this.retentionSeconds = options.retentionSeconds ?? 7 * 86_400;
    this.maxLen = options.maxLen ?? 10_000;
    if (!('netraAppendEvents' in redis)) redis.defineCommand('netraAppendEvents', { numberOfKeys: 3, lua: APPEND_SCRIPT });
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
    const payloads = await this.redis.netraAppendEvents(
      this.names.threadEventSeq(first.threadId),
      this.names.threadEventLog(first.threadId),
      this.names.runOnceEvents(first.threadId, first.runId),
      this.names.userEvents(userId),
      this.maxLen,
      this.retentionSeconds,
      options.once ?? '',
      Date.now() * 1000,
      ...bodies,
    );
    return (payloads ?? []).map((payload) => JSON.parse(payload) as RunEvent);
  }

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
