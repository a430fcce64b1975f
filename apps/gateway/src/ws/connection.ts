import type { WebSocket } from 'ws';
import { WsCloseCode, type ServerFrame } from '@netra/contracts';
import { logger, metrics, type Tally } from '@netra/observability';
import type { ThreadFollower } from '../events/follower.js';
import type { Beating } from './heartbeat.js';
import type { AuthUser } from '../services/users.js';

export interface ClientConnectionOptions {
  /**
   * Unsent bytes a socket may hold in the gateway before it is closed as a slow consumer (code 4008); the client
   * resumes with `subscribe {after}`. This is what bounds the gateway's memory per socket.
   */
  maxBufferedBytes: number;
  /** After the slow-consumer close frame, how long the peer has to complete the closing handshake. */
  slowCloseGraceMs: number;
}

const log = logger.child({ component: 'ws' });
const TEXT = { binary: false } as const;

/**
 * `netra_ws_frames_total{direction, type}` as plain-number tallies (see `metrics.wsFrames.tally`): prom-client's
 * increment hashes and validates the labels on every call, twice per ping. Types are the contract's frame types
 * (and `invalid`): a few keys. One map per direction: a keyed load by direction went megamorphic on the frame path.
 */
const tallyIn = new Map<string, Tally>();
const tallyOut = new Map<string, Tally>();
function frameTally(map: Map<string, Tally>, direction: 'in' | 'out', type: string): Tally {
  let tally = map.get(type);
  if (!tally) {
    tally = metrics.wsFrames.tally({ direction, type });
    map.set(type, tally);
  }
  return tally;
}
/** Counts one frame received of `type`. */
export function frameIn(type: string): void {
  frameTally(tallyIn, 'in', type).n += 1;
}
function frameOut(type: string): void {
  frameTally(tallyOut, 'out', type).n += 1;
}

/** The one reply to a `ping`, encoded once. */
const PONG = Buffer.from(JSON.stringify({ type: 'pong' } satisfies ServerFrame));

/**
 * One client socket. It receives the events of the threads it sent to or subscribed to, each exactly once and
 * in event-id order, whatever mix of replay and live delivery produced them (one ThreadFollower per thread).
 */
export class ClientConnection implements Beating {
  alive = true;
  readonly openedAt = Date.now();
  private readonly followers = new Map<string, ThreadFollower>();
  /** Frames of one socket are handled one after another, so replies keep the order of requests. */
  private queue: Promise<void> = Promise.resolve();
  /** Tasks queued by `serial` and not finished. */
  private queued = 0;
  private closing = false;

  constructor(
    readonly id: string,
    readonly user: AuthUser,
    readonly socket: WebSocket,
    private readonly options: ClientConnectionOptions,
  ) {}

  ping(): void {
    this.socket.ping();
  }

  /** Missed a heartbeat: the peer is gone (no closing handshake to wait for). */
  dead(): void {
    this.socket.terminate();
  }

  /** Runs `task` after every earlier frame of this socket has been handled. */
  serial(task: () => Promise<void>): Promise<void> {
    this.queued += 1;
    const next = this.queue.then(task, task).finally(() => {
      this.queued -= 1;
    });
    // The caller gets `next` and handles its failure; the queue only has to move on to the next frame.
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Nothing queued by `serial` is pending: a frame answered right now keeps the order of replies. */
  get idle(): boolean {
    return this.queued === 0;
  }

  send(frame: ServerFrame): boolean {
    return this.write(JSON.stringify(frame), frame.type);
  }

  /** `send({ type: 'pong' })` without encoding it again. */
  pong(): boolean {
    return this.write(PONG, 'pong');
  }

  /** The socket's follower of the thread, if it follows it. */
  follower(threadId: string): ThreadFollower | undefined {
    return this.followers.get(threadId);
  }

  addFollower(follower: ThreadFollower): void {
    this.followers.set(follower.threadId, follower);
  }

  removeFollower(threadId: string): ThreadFollower | undefined {
    const follower = this.followers.get(threadId);
    this.followers.delete(threadId);
    return follower;
  }

  /** Every follower (to unregister them when the socket closes). */
  allFollowers(): ThreadFollower[] {
    return [...this.followers.values()];
  }

  /** A run event (its JSON, as a string or already encoded), for the socket's followers. False once the socket cannot take more. */
  writeEvent(data: string | Buffer, type: string): boolean {
    const ok = this.write(data, type);
    if (ok) metrics.eventsDelivered.inc();
    return ok;
  }

  /**
   * Writes unless the socket is closing or holds more than `maxBufferedBytes` unsent: then it is closed as a slow
   * consumer, so one client that does not read cannot grow the gateway's memory. ws keeps the bytes it buffered
   * until the socket goes, so after a grace for the closing handshake the socket is destroyed.
   */
  private write(data: string | Buffer, type: string): boolean {
    if (this.closing || this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.closing = true;
      metrics.wsSlowConsumers.inc();
      log.warn('slow consumer: closing the socket', { connectionId: this.id, bufferedBytes: this.socket.bufferedAmount });
      this.socket.close(WsCloseCode.slowConsumer, 'slow consumer: resume with subscribe');
      setTimeout(() => this.socket.terminate(), this.options.slowCloseGraceMs).unref();
      return false;
    }
    // A text frame whether the JSON comes as a string or already encoded.
    this.socket.send(data, TEXT);
    frameOut(type);
    return true;
  }
}
