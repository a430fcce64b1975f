import { formatEventId, type RunEventEnvelope } from '@netra/contracts';
import type { RunEventLog, RunEventSubscriber } from '@netra/bus';
import type { Db } from '@netra/db';
import { logger } from '@netra/observability';
import { ThreadFollower, type FollowerWriter, type ThreadFollowerOptions } from './follower.js';

export interface RunFollow {
  /** Events written by the replay. */
  replayed: number;
  /** Stops live delivery. */
  close(): Promise<void>;
}

/** What a consumer gives to follow a thread; the log, the start of unfinished runs and the routing come from here. */
export type FollowOptions = Omit<ThreadFollowerOptions, 'log' | 'startOf'>;

/**
 * The gateway's one path from the event bus to consumers. It routes each live event from the subscriber to the
 * ThreadFollowers of its user and thread (WebSocket and SSE alike), tells every follower when the bus drops and
 * comes back (they catch up from the log themselves), and knows where a follower without a position starts (the
 * beginning of the thread's unfinished runs, so a tab opened mid-run sees the run from its start).
 */
export class EventStreams {
  private readonly logger = logger.child({ component: 'event-streams' });
  /** userId → threadId → followers. */
  private readonly followers = new Map<string, Map<string, Set<ThreadFollower>>>();
  private started = false;

  constructor(
    private readonly db: Db,
    readonly log: RunEventLog,
    readonly subscriber: RunEventSubscriber,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.subscriber.on('event', this.onEvent);
    this.subscriber.on('disconnected', this.onDisconnected);
    this.subscriber.on('resubscribed', this.onResubscribed);
  }

  close(): void {
    this.started = false;
    this.subscriber.off('event', this.onEvent);
    this.subscriber.off('disconnected', this.onDisconnected);
    this.subscriber.off('resubscribed', this.onResubscribed);
    for (const threads of this.followers.values()) for (const set of threads.values()) for (const f of set) f.close();
    this.followers.clear();
  }

  /**
   * A follower of `threadId` for one of `userId`'s consumers, receiving live events from now (held until it is
   * anchored or resumed). The caller keeps the user subscribed on the bus while it follows, and calls `unfollow`.
   */
  follow(userId: string, options: FollowOptions): ThreadFollower {
    const follower = new ThreadFollower({ ...options, log: this.log, startOf: (threadId) => this.startOfUnfinishedRuns(threadId) });
    // Following while the bus is down: what is published until the catch-up is not delivered live.
    if (this.subscriber.disconnected) follower.disconnected();
    let threads = this.followers.get(userId);
    if (!threads) {
      threads = new Map();
      this.followers.set(userId, threads);
    }
    let set = threads.get(options.threadId);
    if (!set) {
      set = new Set();
      threads.set(options.threadId, set);
    }
    set.add(follower);
    return follower;
  }

  unfollow(userId: string, follower: ThreadFollower): void {
    follower.close();
    const threads = this.followers.get(userId);
    const set = threads?.get(follower.threadId);
    if (!threads || !set) return;
    set.delete(follower);
    if (set.size === 0) threads.delete(follower.threadId);
    if (threads.size === 0) this.followers.delete(userId);
  }

  get followerCount(): number {
    let n = 0;
    for (const threads of this.followers.values()) for (const set of threads.values()) n += set.size;
    return n;
  }

  /**
   * Streams one run's events to `write`: everything after `after` from the log, then live, with no gap or
   * duplicate at the seam (and a catch-up after a Redis reconnect). The caller ends it with `close()`.
   */
  async followRun(options: {
    userId: string;
    threadId: string;
    runId: string;
    after: string | null;
    write: FollowerWriter;
    /** The stream can no longer guarantee completeness (catch-up after a Redis outage failed). */
    onBroken?: () => void;
  }): Promise<RunFollow> {
    const { userId, threadId, runId } = options;
    await this.subscriber.subscribeUser(userId);
    const follower = this.follow(userId, {
      threadId,
      write: options.write,
      accept: (envelope) => envelope.runId === runId,
      // An SSE client that misses the catch-up reconnects with Last-Event-ID; end the stream so it does.
      ...(options.onBroken ? { onBroken: options.onBroken } : {}),
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      this.unfollow(userId, follower);
      await this.subscriber.unsubscribeUser(userId);
    };
    try {
      const { replayed } = await follower.resume(options.after);
      return { replayed, close };
    } catch (error) {
      await close();
      throw error;
    }
  }

  /**
   * The event id just before the first event of the thread's oldest unfinished run, or — when no unfinished run
   * has published anything — the thread's head. The head is read first: an event published while the runs are
   * looked up is then after the position, so it is replayed (or delivered live), never skipped.
   */
  async startOfUnfinishedRuns(threadId: string): Promise<string | null> {
    const head = await this.log.head(threadId);
    const unfinished = await this.db.run.findMany({
      where: { threadId, status: { in: ['queued', 'running'] } },
      orderBy: { seq: 'asc' },
      select: { id: true },
    });
    for (const { id } of unfinished) {
      const first = await this.log.findRunStart(threadId, id);
      if (first !== null) return formatEventId(Math.max(0, Number(first) - 1));
    }
    return head;
  }

  /** The run's retained events after `after`, oldest first (JSON replay without live delivery). */
  async runEvents(threadId: string, runId: string, after: string | null): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const raw of this.log.replay(threadId, after)) {
      const event = JSON.parse(raw) as { runId?: string };
      if (event.runId === runId) out.push(event);
    }
    return out;
  }

  private readonly onEvent = (userId: string, envelope: RunEventEnvelope, raw: string): void => {
    const set = this.followers.get(userId)?.get(envelope.threadId);
    if (!set) return;
    for (const follower of set) follower.live(envelope, raw);
  };

  /**
   * The event bus dropped: events published from now until it is back are lost to pub/sub. Every follower holds,
   * so that nothing delivered live after the reconnect moves its position past that gap before its catch-up.
   */
  private readonly onDisconnected = (): void => {
    this.logger.warn('event bus disconnected; holding live events until the catch-up', { followers: this.followerCount });
    for (const threads of this.followers.values()) for (const set of threads.values()) for (const f of set) f.disconnected();
  };

  /** After a Redis outage pub/sub has lost whatever was published meanwhile: every follower catches up from the log. */
  private readonly onResubscribed = (): void => {
    // The message is what operators (and the recovery test) look for; `followers` counts sockets' and streams' threads.
    this.logger.warn('event bus reconnected; catching sockets up from the event log', { followers: this.followerCount });
    for (const threads of this.followers.values()) for (const set of threads.values()) for (const f of set) void f.catchUp();
  };
}
