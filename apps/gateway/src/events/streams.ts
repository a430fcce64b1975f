import { formatEventId, RunEventEnvelope } from '@netra/contracts';
import type { RunEventLog, RunEventSubscriber } from '@netra/bus';
import type { Db } from '@netra/db';
import { errorFields, logger } from '@netra/observability';
import { EventFeed, type FeedWriter } from './feed.js';

export interface RunFollow {
  /** Events written by the replay. */
  replayed: number;
  /** Stops live delivery. */
  close(): Promise<void>;
}

/**
 * Reading the thread event logs for resume: replay into a feed, and where a subscriber without a position should
 * start (the beginning of the thread's unfinished runs, so a tab opened mid-run sees the run from its start).
 */
export class EventStreams {
  private readonly logger = logger.child({ component: 'event-streams' });

  constructor(
    private readonly db: Db,
    readonly log: RunEventLog,
    readonly subscriber: RunEventSubscriber,
  ) {}

  /** Replays the thread's events after `after` into the feed (which must be in replay mode). */
  async replay(feed: EventFeed, threadId: string, after: string | null): Promise<number> {
    let written = 0;
    for await (const raw of this.log.replay(threadId, after)) {
      const envelope = RunEventEnvelope.safeParse(JSON.parse(raw));
      if (envelope.success && feed.replayed(envelope.data, raw)) written += 1;
    }
    return written;
  }

  /**
   * Positions a new live feed at the thread's head, so that everything published from now on belongs to it —
   * even what a Redis outage keeps from being delivered live, which the catch-up then replays.
   */
  async anchor(feed: EventFeed, threadId: string): Promise<void> {
    feed.hold();
    try {
      // A thread without events yet has the head null: the feed then owns the whole log from its start.
      feed.beginReplay(await this.log.head(threadId));
    } catch (error) {
      // Redis is down: the feed stays unpositioned and a catch-up starts from the thread's unfinished runs.
      this.logger.warn('could not anchor a feed at the thread head', { threadId, ...errorFields(error) });
    } finally {
      feed.endReplay();
    }
  }

  /**
   * Brings a live feed up to date after the event bus reconnected: waits for the log's own connection (it may
   * come back after the subscriber's), then replays from the feed's position; retried a few times.
   */
  async catchUp(feed: EventFeed, threadId: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      feed.hold();
      try {
        await this.log.whenReady();
        const after = feed.positioned ? feed.lastEventId : await this.startOfUnfinishedRuns(threadId);
        feed.beginReplay(after);
        const replayed = await this.replay(feed, threadId, feed.lastEventId);
        feed.endReplay();
        this.logger.info('caught up after reconnect', { threadId, after, replayed });
        return;
      } catch (error) {
        if (attempt >= 5) {
          feed.endReplay();
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
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

  /**
   * Streams one run's events to `write`: everything after `after` from the log, then live, with no gap or
   * duplicate at the seam (and a catch-up after a Redis reconnect). The caller ends it with `close()`.
   */
  async followRun(options: {
    userId: string;
    threadId: string;
    runId: string;
    after: string | null;
    write: FeedWriter;
    /** The stream can no longer guarantee completeness (catch-up after a Redis outage failed). */
    onBroken?: () => void;
  }): Promise<RunFollow> {
    const { userId, threadId, runId } = options;
    const feed = new EventFeed(options.write, (envelope) => envelope.runId === runId);
    const onEvent = (eventUser: string, envelope: RunEventEnvelope, raw: string) => {
      if (eventUser === userId && envelope.threadId === threadId) feed.deliver(envelope, raw);
    };
    const onDisconnected = () => feed.hold();
    const onResubscribed = () => {
      // An SSE client that misses the catch-up reconnects with Last-Event-ID; end the stream so it does.
      void this.catchUp(feed, threadId).catch(() => options.onBroken?.());
    };
    this.subscriber.on('event', onEvent);
    this.subscriber.on('resubscribed', onResubscribed);
    this.subscriber.on('disconnected', onDisconnected);
    const close = async () => {
      this.subscriber.off('event', onEvent);
      this.subscriber.off('resubscribed', onResubscribed);
      this.subscriber.off('disconnected', onDisconnected);
      await this.subscriber.unsubscribeUser(userId);
    };
    try {
      await this.subscriber.subscribeUser(userId);
      feed.beginReplay(options.after);
      let replayed = 0;
      try {
        replayed = await this.replay(feed, threadId, options.after);
      } finally {
        feed.endReplay();
      }
      return { replayed, close };
    } catch (error) {
      await close();
      throw error;
    }
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
}
