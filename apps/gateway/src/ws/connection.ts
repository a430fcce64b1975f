import type { WebSocket } from 'ws';
import type { RunEventEnvelope, ServerFrame } from '@netra/contracts';
import { metrics } from '@netra/observability';
import type { AuthUser } from '../services/users.js';

/** A socket's view of one thread: where it is in the thread's event log, and what arrived during a replay. */
interface ThreadFeed {
  /** The newest event id written to this socket for the thread (null: none yet). */
  lastEventId: string | null;
  /** While a replay runs, live events wait here so none is lost or sent twice at the seam. */
  pending: { envelope: RunEventEnvelope; raw: string }[] | null;
}

/** Above this many unsent bytes the client is not reading; it is closed and can resume with `subscribe`. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One client socket. It receives the events of the threads it sent to or subscribed to, each exactly once and
 * in event-id order, whatever mix of replay and live delivery produced them.
 */
export class ClientConnection {
  alive = true;
  readonly openedAt = Date.now();
  private readonly feeds = new Map<string, ThreadFeed>();
  /** Frames of one socket are handled one after another, so replies keep the order of requests. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly user: AuthUser,
    readonly socket: WebSocket,
  ) {}

  /** Runs `task` after every earlier frame of this socket has been handled. */
  serial(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  send(frame: ServerFrame): void {
    this.write(JSON.stringify(frame), frame.type);
  }

  /** Starts live delivery of a thread's events if the socket does not follow it yet. Returns whether it was new. */
  follow(threadId: string): boolean {
    if (this.feeds.has(threadId)) return false;
    this.feeds.set(threadId, { lastEventId: null, pending: null });
    return true;
  }

  unfollow(threadId: string): void {
    this.feeds.delete(threadId);
  }

  followedThreads(): string[] {
    return [...this.feeds.keys()];
  }

  lastEventId(threadId: string): string | null {
    return this.feeds.get(threadId)?.lastEventId ?? null;
  }

  /** Begins a replay: the position becomes `after`, and live events are held back until `endReplay`. */
  beginReplay(threadId: string, after: string | null): void {
    const feed = this.feeds.get(threadId);
    if (feed) {
      feed.lastEventId = after;
      feed.pending ??= [];
    } else {
      this.feeds.set(threadId, { lastEventId: after, pending: [] });
    }
  }

  /** Writes one replayed event (already in order) unless the socket has it. */
  replayed(threadId: string, eventId: string, raw: string, type: string): boolean {
    const feed = this.feeds.get(threadId);
    if (!feed || (feed.lastEventId !== null && eventId <= feed.lastEventId)) return false;
    feed.lastEventId = eventId;
    this.write(raw, type);
    return true;
  }

  /** Ends a replay: flushes the live events that arrived meanwhile, skipping those the replay already sent. */
  endReplay(threadId: string): void {
    const feed = this.feeds.get(threadId);
    if (!feed?.pending) return;
    const pending = feed.pending;
    feed.pending = null;
    for (const { envelope, raw } of pending) this.deliver(envelope, raw);
  }

  /** A live event from the user's channel. */
  deliver(envelope: RunEventEnvelope, raw: string): void {
    const feed = this.feeds.get(envelope.threadId);
    if (!feed) return;
    if (feed.pending) {
      feed.pending.push({ envelope, raw });
      return;
    }
    if (feed.lastEventId !== null && envelope.eventId <= feed.lastEventId) return;
    feed.lastEventId = envelope.eventId;
    this.write(raw, envelope.type);
    metrics.eventsDelivered.inc();
  }

  private write(data: string, type: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.close(1013, 'slow consumer: resume with subscribe');
      return;
    }
    this.socket.send(data);
    metrics.wsFrames.inc({ direction: 'out', type });
  }
}
