import type { RunEventEnvelope } from '@netra/contracts';

export type FeedWriter = (raw: string, envelope: RunEventEnvelope) => void;

/**
 * Ordered, de-duplicated delivery of one thread's events to one consumer (a socket, an SSE response).
 * Events come from two sources — the replay of the event log and live pub/sub — and may overlap at the seam;
 * because event ids grow strictly within a thread, "write only ids above the last written" makes every event
 * arrive once and in order. Live events that arrive during a replay wait until the replay is done.
 */
export class EventFeed {
  /** The newest event id written (null: none yet). */
  lastEventId: string | null = null;
  private pending: { envelope: RunEventEnvelope; raw: string }[] | null = null;

  constructor(
    private readonly write: FeedWriter,
    /** Which events of the thread this consumer wants (e.g. one run's); default all. */
    private readonly accept: (envelope: RunEventEnvelope) => boolean = () => true,
  ) {}

  /** Starts a replay from `after`: live events are held back until `endReplay`. */
  beginReplay(after: string | null): void {
    this.lastEventId = after;
    this.pending ??= [];
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
    if (!this.accept(envelope)) return false;
    this.write(raw, envelope);
    return true;
  }
}
