import { ServerFrame, type ClientFrame } from '@netra/contracts';
import { backoffDelay, type ConnectionAction } from '../state/connection';
import { problem, type Problem } from '../state/problem';
import { ApiError } from './http';

export interface SocketHooks {
  /** `POST /api/v1/ws-tickets`: a single-use ticket URL such as `/ws?ticket=…`. */
  ticket(): Promise<{ url: string }>;
  /** Every valid server frame, in arrival order. */
  onFrame(frame: ServerFrame): void;
  /** After `connection_established`: resubscribe and resend what is unacknowledged. */
  onOpen(): void;
  onStatus(action: ConnectionAction): void;
  /** The ticket call said 401: the session is over; the socket stops trying. */
  onUnauthorized(p: Problem): void;
  /** Sends the app-level ping (the controller tracks it to correlate replies). */
  heartbeat(): void;
}

/** App-level ping interval; a socket that shows no frame for two of them is considered dead and replaced. */
const HEARTBEAT_MS = 20_000;

/**
 * The browser's WebSocket to the gateway, kept alive: a fresh ticket per attempt (tickets are single-use and
 * short-lived), exponential backoff with jitter between attempts, an application-level heartbeat (browsers do not
 * expose protocol pings), and an immediate retry when the browser comes back online. Every incoming frame is
 * validated against the contract; one that does not match is dropped, never half-applied.
 */
export class NetraSocket {
  private ws: WebSocket | null = null;
  private established = false;
  private stopped = true;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;

  constructor(private readonly hooks: SocketHooks) {}

  get isOpen(): boolean {
    return this.established && this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    window.addEventListener('online', this.onOnline);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    const ws = this.ws;
    this.ws = null;
    this.established = false;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'signed out');
    this.hooks.onStatus({ type: 'idle' });
  }

  /** Sends a frame if the socket is open; returns whether it went out. */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen || !this.ws) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Skips the backoff wait (the "Reconnect now" button, the browser coming back online). */
  reconnectNow(): void {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retryTimer);
    void this.connect();
  }

  private readonly onOnline = (): void => this.reconnectNow();

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.hooks.onStatus({ type: 'connecting' });
    let url: string;
    try {
      url = socketUrl((await this.hooks.ticket()).url);
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof ApiError && error.status === 401) {
        this.stopped = true;
        this.hooks.onUnauthorized(error.problem);
        return;
      }
      this.retry(error instanceof ApiError ? error.problem : problem('network', undefined));
      return;
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.established = false;
    ws.onmessage = (message) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      const frame = parseFrame(message.data);
      if (!frame) {
        console.warn('netra: dropped a frame that does not match the protocol');
        return;
      }
      if (frame.type === 'connection_established' && !this.established) {
        this.established = true;
        this.attempt = 0;
        this.hooks.onStatus({ type: 'open' });
        this.startHeartbeat(ws);
        this.hooks.onFrame(frame);
        this.hooks.onOpen();
        return;
      }
      this.hooks.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.established = false;
      clearInterval(this.heartbeatTimer);
      if (this.stopped) return;
      this.retry(closeProblem(event.code, event.reason));
    };
    // `error` is always followed by `close`, which does the work.
    ws.onerror = () => undefined;
  }

  private retry(p: Problem | null): void {
    this.attempt += 1;
    const delay = Math.max(backoffDelay(this.attempt), p?.retryAt ? p.retryAt - Date.now() : 0);
    this.hooks.onStatus({ type: 'lost', retryAt: Date.now() + delay, problem: p });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private startHeartbeat(ws: WebSocket): void {
    clearInterval(this.heartbeatTimer);
    this.lastFrameAt = Date.now();
    this.heartbeatTimer = setInterval(() => {
      if (this.ws !== ws) return;
      if (Date.now() - this.lastFrameAt > HEARTBEAT_MS * 2) {
        // No pong for two intervals: the connection is dead even if the browser has not noticed.
        ws.close(4000, 'heartbeat timeout');
        return;
      }
      this.hooks.heartbeat();
    }, HEARTBEAT_MS);
  }
}

function socketUrl(path: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${path.startsWith('/') ? path : `/${path}`}`;
}

/** A server frame from the wire, validated against the contract (`ServerFrame`, which includes every `RunEvent`), or null. */
export function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const parsed = ServerFrame.safeParse(json);
  return parsed.success ? parsed.data : null;
}

function closeProblem(code: number, reason: string): Problem | null {
  if (code === 1000) return null;
  if (code === 1001) return problem('unavailable', 'The server is restarting; reconnecting.');
  if (code === 1008 && reason) return problem('forbidden', reason);
  if (code === 1013) return problem('unavailable', reason || 'The server asked to try again later.');
  return problem('network', 'The connection to the server was lost; reconnecting.');
}
