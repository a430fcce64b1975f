import type { RunEventEnvelope } from '@netra/contracts';

export type FeedWriter = (raw: string, envelope: RunEventEnvelope) => void;

/**
 * Ordered, de-duplicated delivery of one thread's events to one consumer (a socket, an SSE response).
 * Events come from two sources — the replay of the event log and live pub/sub — and may overlap at the seam;
 * because event ids grow strictly within a thread, "write only ids above the last written" makes every event
 * arrive once and in order. Live events that arrive during a replay wait until the replay is done.
 */
export class EventFeed {
  /** The newest event id written, or the position the feed was set to (null: the start of the thread's log). */
  lastEventId: string | null = null;
  /**
   * Whether `lastEventId` is a known position. A feed that has neither been positioned nor written anything does
   * not know where it stands (then a catch-up starts from the thread's unfinished runs).
   */
  positioned = false;
  private pending: { envelope: RunEventEnvelope; raw: string }[] | null = null;

  constructor(
    private readonly write: FeedWriter,
    /** Which events of the thread this consumer wants (e.g. one run's); default all. */
    private readonly accept: (envelope: RunEventEnvelope) => boolean = () => true,
  ) {}

  /** Holds live events back (they are flushed by `endReplay`) while the replay's start is worked out. */
  hold(): void {
    this.pending ??= [];
  }

  /**
   * Starts a replay from `after`, holding live events until `endReplay`. The position only moves forward — an
   * event already written is never written again — unless `rewind` (a client explicitly asking from `after`).
   */
  beginReplay(after: string | null, rewind = false): void {
    this.hold();
    if (rewind || this.lastEventId === null || (after !== null && after > this.lastEventId)) this.lastEventId = after;
    this.positioned = true;
  }

  get replaying(): boolean {
    return this.pending !== null;
  }

  /** One replayed event (the log yields them in order). Returns whether it was written. */
  replayed(envelope: RunEventEnvelope, raw: string): boolean {
    return this.emit(envelope, raw);
  }

  /** Ends the replay: flushes the held live events, skipping what the replay already wrote. */
  endReplay(): void {
    const pending = this.pending;
    this.pending = null;
    for (const { envelope, raw } of pending ?? []) this.emit(envelope, raw);
  }

  /** A live event. Returns whether it was written now. */
  deliver(envelope: RunEventEnvelope, raw: string): boolean {
    if (this.pending) {
      this.pending.push({ envelope, raw });
      return false;
    }
    return this.emit(envelope, raw);
  }

  private emit(envelope: RunEventEnvelope, raw: string): boolean {
    if (this.lastEventId !== null && envelope.eventId <= this.lastEventId) return false;
    this.lastEventId = envelope.eventId;
    this.positioned = true;
    if (!this.accept(envelope)) return false;
    this.write(raw, envelope);
    return true;
  }
}
