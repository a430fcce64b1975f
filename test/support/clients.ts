import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { ServerFrame, type ClientFrame, type RunEvent } from '@netra/contracts';
import { TEST_JWT_SECRET } from './services.js';

export async function tokenFor(subject: string, options: { roles?: string[]; ttlSeconds?: number; secret?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: options.roles ?? [] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** A small JSON HTTP client bound to a base URL and a bearer token. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = unknown>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body ?? {}, headers);
  }
  patch<T = unknown>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = unknown>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

/**
 * A real WebSocket client that records every server frame (validated against the contract) and lets a test wait
 * for the frames it expects.
 */
export class WsClient {
  readonly frames: ServerFrame[] = [];
  readonly invalid: unknown[] = [];
  private waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void; fail: (e: Error) => void }[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const json: unknown = JSON.parse(data.toString());
      const parsed = ServerFrame.safeParse(json);
      if (!parsed.success) {
        this.invalid.push(json);
        return;
      }
      this.frames.push(parsed.data);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(parsed.data)) return true;
        w.resolve(parsed.data);
        return false;
      });
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.failWaiters(new Error(`socket closed (${code}) before the expected frame`));
    });
  }

  private failWaiters(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.fail(error);
  }

  /** Connects; resolves after `connection_established`, rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      const client = new WsClient(socket);
      socket.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          client.closeCode = res.statusCode;
          client.failWaiters(new Error(`upgrade refused: ${res.statusCode}`));
          reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        });
      });
      socket.once('error', reject);
      // A refused upgrade also closes the socket; the rejection above carries the status.
      client.next((f) => f.type === 'connection_established').then(() => resolve(client), () => undefined);
    });
  }

  static async as(url: string, token: string): Promise<WsClient> {
    return WsClient.connect(url, { authorization: `Bearer ${token}` });
  }

  send(frame: ClientFrame | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** The first frame (already received or future) that matches. */
  next<T extends ServerFrame = ServerFrame>(match: (f: ServerFrame) => boolean, timeoutMs = 20_000): Promise<T> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen as T);
    if (this.closeCode !== undefined) return Promise.reject(new Error(`socket closed (${this.closeCode})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame after ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(',')}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as T);
        },
        fail: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Frames of one run, in arrival order. */
  runEvents(runId: string): RunEvent[] {
    return this.frames.filter((f): f is RunEvent => 'eventId' in f && f.runId === runId);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
