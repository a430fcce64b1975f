import { metrics } from '@netra/observability';

/** What the wheel needs of a socket. */
export interface Beating {
  /** Set by the owner on every pong (and frame); cleared by the wheel when it pings. */
  alive: boolean;
  ping(): void;
  /** No pong since the last ping: the peer is gone. */
  dead(): void;
}

export interface HeartbeatWheelOptions {
  /** Each socket is pinged once per interval; a socket that has not answered the previous ping by then is dead. */
  intervalMs: number;
  /**
   * How often the wheel turns: every tick pings the sockets of one slot, so a tick handles about
   * sockets × tickMs / intervalMs of them, in runs of 32 (19,000 sockets, 30 s, 20 ms → 0 or 32, ~13 on average).
   * Default 20 ms: with 100 ms ticks, 190 pings and then their 190 pongs held the event loop for 10–17 ms at a
   * time (19,000 sockets, 10 s interval, on the shared 2-core machine) and the event-loop delay p99 was 22–31 ms;
   * with 20 ms ticks no turn of the wheel takes more than a few ms. 50 timer wake-ups a second cost little
   * next to the pings themselves.
   */
  tickMs?: number;
}

/** Consecutive sockets dealt to the same slot (see `add`). */
const RUN = 32;

/**
 * Heartbeats spread over the interval (a timing wheel). Pinging every socket in one loop at each interval stalled
 * the event loop for 0.35–1.1 s at 19,500 sockets — every frame and event waited behind it. Here sockets are dealt
 * round robin into `intervalMs / tickMs` slots and each tick pings one slot, so no event-loop turn handles more than a small batch.
 */
export class HeartbeatWheel<T extends Beating> {
  private readonly slots: Set<T>[];
  private readonly slotOf = new Map<T, number>();
  private readonly tickMs: number;
  private cursor = 0;
  /** Sockets added so far (the deal's position). */
  private dealt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: HeartbeatWheelOptions) {
    this.tickMs = Math.min(options.tickMs ?? 20, options.intervalMs);
    const count = Math.max(1, Math.round(options.intervalMs / this.tickMs));
    this.slots = Array.from({ length: count }, () => new Set<T>());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.slotOf.size;
  }

  add(socket: T): void {
    if (this.slotOf.has(socket)) return;
    // Round robin, not "the slot reached last": sockets opened in a burst (a gateway restart, every client
    // reconnecting at once) would otherwise share a few slots. The first ping then comes within one interval.
    // Dealt in runs of RUN consecutive sockets, not one by one: a tick then pings sockets that were opened
    // together, whose objects lie together in the heap. One by one, each ping of a tick touched memory far from
    // the previous one's, and cost ~4× what the same ping costs the bare server pinging all its sockets in order
    // (measured: ~55 µs against ~14 µs, cache and TLB misses in ws, net and the syscall).
    const slot = Math.floor(this.dealt / RUN) % this.slots.length;
    this.dealt += 1;
    this.slots[slot]?.add(socket);
    this.slotOf.set(socket, slot);
  }

  remove(socket: T): void {
    const slot = this.slotOf.get(socket);
    if (slot === undefined) return;
    this.slotOf.delete(socket);
    this.slots[slot]?.delete(socket);
  }

  /** Pings the sockets of the next slot; exported for the unit test (no timers needed). */
  tick(): number {
    const slot = this.slots[this.cursor];
    this.cursor = (this.cursor + 1) % this.slots.length;
    if (!slot || slot.size === 0) return 0;
    let pinged = 0;
    for (const socket of [...slot]) {
      if (!socket.alive) {
        this.remove(socket);
        socket.dead();
        continue;
      }
      socket.alive = false;
      socket.ping();
      pinged += 1;
    }
    metrics.wsHeartbeatBatch.observe(pinged);
    return pinged;
  }
}
