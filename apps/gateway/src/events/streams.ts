import { formatEventId, RunEventEnvelope } from '@netra/contracts';
import type { RunEventLog, RunEventSubscriber } from '@netra/bus';
import type { Db } from '@netra/db';
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

  /** The event id just before the first event of the thread's oldest unfinished run (the head if none). */
  async startOfUnfinishedRuns(threadId: string): Promise<string | null> {
    const unfinished = await this.db.run.findMany({
      where: { threadId, status: { in: ['queued', 'running'] } },
      orderBy: { seq: 'asc' },
      select: { id: true },
    });
    for (const { id } of unfinished) {
      const first = await this.log.findRunStart(threadId, id);
      if (first !== null) return formatEventId(Math.max(0, Number(first) - 1));
    }
    return this.log.head(threadId);
  }

  /**
   * Streams one run's events to `write`: everything after `after` from the log, then live, with no gap or
   * duplicate at the seam (and a catch-up after a Redis reconnect). The caller ends it with `close()`.
   */
  async followRun(options: { userId: string; threadId: string; runId: string; after: string | null; write: FeedWriter }): Promise<RunFollow> {
    const { userId, threadId, runId } = options;
    const feed = new EventFeed(options.write, (envelope) => envelope.runId === runId);
    const onEvent = (eventUser: string, envelope: RunEventEnvelope, raw: string) => {
      if (eventUser === userId && envelope.threadId === threadId) feed.deliver(envelope, raw);
    };
    const onResubscribed = () => {
      feed.beginReplay(feed.lastEventId);
      void this.replay(feed, threadId, feed.lastEventId).finally(() => feed.endReplay());
    };
    this.subscriber.on('event', onEvent);
    this.subscriber.on('resubscribed', onResubscribed);
    const close = async () => {
      this.subscriber.off('event', onEvent);
      this.subscriber.off('resubscribed', onResubscribed);
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
