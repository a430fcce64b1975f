import type { WebSocket } from 'ws';
import type { RunEventEnvelope, ServerFrame } from '@netra/contracts';
import { metrics } from '@netra/observability';
import { EventFeed } from '../events/feed.js';
import type { AuthUser } from '../services/users.js';

/** Above this many unsent bytes the client is not reading; it is closed and can resume with `subscribe`. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One client socket. It receives the events of the threads it sent to or subscribed to, each exactly once and
 * in event-id order, whatever mix of replay and live delivery produced them (see EventFeed).
 */
export class ClientConnection {
  alive = true;
  readonly openedAt = Date.now();
  private readonly feeds = new Map<string, EventFeed>();
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
    // The caller gets `next` and handles its failure; the queue only has to move on to the next frame.
    this.queue = next.catch(() => undefined);
    return next;
  }

  send(frame: ServerFrame): void {
    this.write(JSON.stringify(frame), frame.type);
  }

  /** The thread's feed, created (live from now) if the socket does not follow the thread yet. */
  feed(threadId: string): { feed: EventFeed; created: boolean } {
    const existing = this.feeds.get(threadId);
    if (existing) return { feed: existing, created: false };
    const feed = new EventFeed((raw, envelope) => {
      this.write(raw, envelope.type);
      metrics.eventsDelivered.inc();
    });
    this.feeds.set(threadId, feed);
    return { feed, created: true };
  }

  unfollow(threadId: string): void {
    this.feeds.delete(threadId);
  }

  followed(): [string, EventFeed][] {
    return [...this.feeds.entries()];
  }

  /** A live event from the user's channel. */
  deliver(envelope: RunEventEnvelope, raw: string): void {
    this.feeds.get(envelope.threadId)?.deliver(envelope, raw);
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
