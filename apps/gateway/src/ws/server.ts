import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  CLIENT_FRAME_TYPES,
  ClientFrame,
  InternalError,
  isNetraError,
  NetraError,
  RunEvent,
  isTerminalEvent,
  UnauthorizedError,
  ValidationError,
  WsCloseCode,
  type StopAgentFrame,
  type SubscribeFrame,
  type UserMessageFrame,
  type NotificationFrame,
} from '@netra/contracts';
import { errorFields, logger, metrics, withContext } from '@netra/observability';
import type { TicketStore } from '../auth/tickets.js';
import { bearerToken, type TokenVerifier } from '../auth/tokens.js';
import { HTTP_STATUS, toNetraError } from '../http/errors.js';
import type { EventStreams } from '../events/streams.js';
import type { MessageService } from '../services/messages.js';
import type { RunService } from '../services/runs.js';
import type { ThreadService } from '../services/threads.js';
import type { AuthUser, UserDirectory } from '../services/users.js';
import { addressKey, securityEvent, type Security } from '../security/index.js';
import type { ThreadFollower } from '../events/follower.js';
import { ClientConnection, frameIn } from './connection.js';
import { HeartbeatWheel } from './heartbeat.js';
import { traceFrame } from './tracing.js';

export interface WsGatewayOptions {
  /** Largest frame accepted, in bytes. */
  maxPayload: number;
  heartbeatMs: number;
  /** How often the heartbeat wheel turns (each turn pings 1/(heartbeatMs/tick) of the sockets). Default 20 ms. */
  heartbeatTickMs?: number;
  maxSocketsPerUser: number;
  /** Unsent bytes per socket before it is closed as a slow consumer (4008). */
  maxBufferedBytes: number;
  /** After a slow-consumer close, how long before the socket is destroyed. Default 5,000 ms. */
  slowCloseGraceMs?: number;
  /** Browser origins allowed to open sockets; empty = same origin only. */
  allowedOrigins: string[];
}

export interface WsGatewayDeps {
  verifier: TokenVerifier;
  tickets: TicketStore;
  users: UserDirectory;
  threads: ThreadService;
  messages: MessageService;
  runs: RunService;
  streams: EventStreams;
  security: Security;
}

const PATH = '/ws';

/**
 * The WebSocket endpoint. Authenticates the upgrade (refusing it with an HTTP status before any socket exists),
 * handles client frames, and writes each run event to the sockets that follow its thread.
 */
export class WsGateway {
  private readonly wss: WebSocketServer;
  private readonly byUser = new Map<string, Set<ClientConnection>>();
  private readonly log = logger.child({ component: 'ws' });
  private readonly heartbeat: HeartbeatWheel<ClientConnection>;
  private accepting = true;

  constructor(
    private readonly server: Server,
    private readonly deps: WsGatewayDeps,
    private readonly options: WsGatewayOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, clientTracking: false });
    this.heartbeat = new HeartbeatWheel<ClientConnection>({
      intervalMs: options.heartbeatMs,
      ...(options.heartbeatTickMs === undefined ? {} : { tickMs: options.heartbeatTickMs }),
    });
  }

  start(): void {
    this.server.on('upgrade', this.onUpgrade);
    this.heartbeat.start();
    this.deps.streams.subscriber.on('notification', this.onNotification);
  }

  get connectionCount(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Stops accepting upgrades and closes every socket with 1001; resolves when they are gone or `graceMs` passed. */
  async close(graceMs: number): Promise<void> {
    this.accepting = false;
    this.heartbeat.close();
    this.server.off('upgrade', this.onUpgrade);
    this.deps.streams.subscriber.off('notification', this.onNotification);
    const sockets = [...this.byUser.values()].flatMap((set) => [...set].map((c) => c.socket));
    const closed = Promise.all(
      sockets.map((socket) => new Promise<void>((resolve) => {
        if (socket.readyState === socket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close(WsCloseCode.goingAway, 'server shutting down');
      })),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
    clearTimeout(timer);
    for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
    this.wss.close();
  }

  // ---- upgrade -------------------------------------------------------------------------------------------

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (error) => this.log.debug('upgrade socket error', errorFields(error)));
    void this.upgrade(req, socket, head).catch((error: unknown) => {
      const { error: netra, unexpected } = toNetraError(error);
      if (unexpected) this.log.error('upgrade failed', errorFields(error));
      reject(socket, HTTP_STATUS[netra.code], netra);
    });
  };

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (url.pathname !== PATH) throw new NetraError('not_found', `No WebSocket endpoint at ${url.pathname}`);
    if (!this.accepting) throw new NetraError('unavailable', 'Gateway is shutting down', { retryAfterMs: 1_000 });
    const { security } = this.deps;
    const address = security.clientAddress(req);
    await security.limits.ipUpgrades.consume(addressKey(address), { address });
    if (url.searchParams.has('token') || url.searchParams.has('access_token')) {
      const error = new UnauthorizedError('Tokens are never accepted in the query string; send Authorization: Bearer');
      await security.authAttempts.failed(address, error.message, 'ws', 'token_in_query');
      throw error;
    }
    this.checkOrigin(req, address);
    await security.authAttempts.before(address);
    let user: AuthUser;
    try {
      user = await this.authenticate(req, url);
    } catch (error) {
      if (error instanceof UnauthorizedError) await security.authAttempts.failed(address, error.message, 'ws');
      throw error;
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, user));
  }

  /** A bearer header (services, CLIs) or a single-use ticket (browsers); when both come, they must agree. */
  private async authenticate(req: IncomingMessage, url: URL): Promise<AuthUser> {
    const header = req.headers.authorization;
    const token = bearerToken(header);
    if (header !== undefined && !token) throw new UnauthorizedError('Malformed Authorization header');
    const ticket = url.searchParams.get('ticket');
    let fromToken: AuthUser | undefined;
    if (token) {
      const principal = await this.deps.verifier.verify(token);
      fromToken = { id: await this.deps.users.resolve(principal.subject), subject: principal.subject, roles: principal.roles };
    }
    if (ticket !== null) {
      const fromTicket = await this.deps.tickets.consume(ticket);
      if (fromToken && fromToken.id !== fromTicket.id) throw new UnauthorizedError('Ticket belongs to another user');
      return fromTicket;
    }
    if (!fromToken) throw new UnauthorizedError('Missing Authorization: Bearer token or ws ticket');
    return fromToken;
  }

  private checkOrigin(req: IncomingMessage, address: string): void {
    const origin = req.headers.origin;
    if (!origin) return; // not a browser
    const host = req.headers.host;
    const sameOrigin = host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
    if (sameOrigin || this.options.allowedOrigins.includes(origin)) return;
    // A page on another site trying to use the visitor's ticket or session: cross-site WebSocket hijacking.
    securityEvent('origin_rejected', { address, origin: origin.slice(0, 200) });
    throw new NetraError('forbidden', `Origin ${origin.slice(0, 200)} is not allowed`);
  }

  // ---- connections ---------------------------------------------------------------------------------------

  private onConnection(socket: WebSocket, user: AuthUser): void {
    const connection = new ClientConnection(randomUUID(), user, socket, {
      maxBufferedBytes: this.options.maxBufferedBytes,
      slowCloseGraceMs: this.options.slowCloseGraceMs ?? 5_000,
    });
    let set = this.byUser.get(user.id);
    if (!set) {
      set = new Set();
      this.byUser.set(user.id, set);
    }
    // Per-user cap: the oldest socket makes room for the newest (a user opening a new tab expects it to work).
    while (set.size >= this.options.maxSocketsPerUser) {
      const oldest = [...set].sort((a, b) => a.openedAt - b.openedAt)[0];
      if (!oldest) break;
      set.delete(oldest);
      oldest.socket.close(WsCloseCode.policyViolation, 'too many connections for this user');
    }
    set.add(connection);
    metrics.wsConnections.inc();
    const subscribed = this.deps.streams.subscriber.subscribeUser(user.id);
    this.heartbeat.add(connection);

    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      connection.alive = true;
      this.onMessage(connection, data, isBinary);
    });
    socket.on('error', (error) => this.log.debug('socket error', { connectionId: connection.id, ...errorFields(error) }));
    socket.on('close', () => {
      metrics.wsConnections.dec();
      this.heartbeat.remove(connection);
      for (const follower of connection.allFollowers()) this.deps.streams.unfollow(user.id, follower);
      const users = this.byUser.get(user.id);
      users?.delete(connection);
      if (users && users.size === 0) this.byUser.delete(user.id);
      void this.deps.streams.subscriber.unsubscribeUser(user.id).catch((error: unknown) => this.log.warn('unsubscribe failed', errorFields(error)));
    });

    // Frames queue behind this, so `connection_established` is always the first frame a client sees.
    void connection.serial(async () => {
      try {
        await subscribed;
        connection.send({ type: 'connection_established', connectionId: connection.id, userId: user.subject });
      } catch (error) {
        this.log.error('could not subscribe to the user channel', errorFields(error));
        socket.close(WsCloseCode.tryAgainLater, 'event bus unavailable');
      }
    });
  }

  // ---- frames --------------------------------------------------------------------------------------------

  /**
   * Every frame, valid or not, is a request against the user's budget (shared with their HTTP calls). Almost always
   * a point leased earlier is in hand (see PointLease): then a `ping` with no earlier frame of the socket still in
   * hand is answered in this very turn, without a promise — a client keeping its socket warm costs little more
   * than with a bare `ws` server. A ping in the exact bytes clients send (`{"type":"ping"}`) is known without
   * JSON.parse or zod; any other spelling is parsed and validated as usual. Every other frame is handled after the
   * socket's earlier ones, in order.
   */
  private onMessage(connection: ClientConnection, data: RawData, isBinary: boolean): void {
    const counted = connection.idle && this.deps.security.limits.userRequests.tryConsumeNow(connection.user.id);
    let parsed: ClientFrame | undefined;
    if (counted) {
      const plainPing = !isBinary && isPlainPing(data);
      if (!plainPing) {
        try {
          parsed = this.parseFrame(data, isBinary);
        } catch {
          // Answered by onFrame, which parses again and reports what is wrong.
        }
      }
      if (plainPing || parsed?.type === 'ping') {
        frameIn('ping');
        connection.pong();
        return;
      }
    }
    void connection.serial(() => this.onFrame(connection, data, isBinary, counted, parsed));
  }

  private async onFrame(connection: ClientConnection, data: RawData, isBinary: boolean, counted: boolean, parsedEarlier: ClientFrame | undefined): Promise<void> {
    let frame: ClientFrame | undefined;
    await withContext({ connectionId: connection.id, userId: connection.user.id }, async () => {
      try {
        if (!counted) await this.deps.security.limits.userRequests.consume(connection.user.id, { userId: connection.user.id, transport: 'ws' });
        const parsed = parsedEarlier ?? this.parseFrame(data, isBinary);
        frame = parsed;
        frameIn(parsed.type);
        await traceFrame(parsed.type, () => this.handle(connection, parsed));
      } catch (error) {
        if (!frame) frameIn('invalid');
        this.sendError(connection, error, frame?.type === 'user_message' ? frame.clientMessageId : rawClientMessageId(data));
      }
    });
  }

  private parseFrame(data: RawData, isBinary: boolean): ClientFrame {
    if (isBinary) throw new ValidationError('Frames must be JSON text');
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      throw new ValidationError('Frame is not valid JSON');
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
      const known = typeof type === 'string' && (CLIENT_FRAME_TYPES as readonly string[]).includes(type);
      throw ValidationError.fromZod(parsed.error, known ? `${String(type)} frame` : 'frame');
    }
    return parsed.data;
  }

  private async handle(connection: ClientConnection, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'ping':
        connection.pong();
        return;
      case 'user_message':
        return this.userMessage(connection, frame);
      case 'subscribe':
        return this.subscribe(connection, frame);
      case 'stop_agent':
        return this.stopAgent(connection, frame);
    }
  }

  private async userMessage(connection: ClientConnection, frame: UserMessageFrame): Promise<void> {
    // Follow the thread before the run exists, so its first event cannot slip past this socket. The anchor's
    // head read goes out now and is not awaited: live events are held until it is back, and the accept does not
    // pay a Redis round trip for it. A socket that already follows the thread knows its position.
    const created = connection.follower(frame.threadId) === undefined;
    if (created) void this.follow(connection, frame.threadId).anchor();
    try {
      const { accepted, duplicate } = await withContext({ threadId: frame.threadId }, () =>
        this.deps.messages.accept(
          connection.user.id,
          {
            threadId: frame.threadId,
            text: frame.text,
            clientMessageId: frame.clientMessageId,
            ...(frame.strategy ? { strategy: frame.strategy } : {}),
          },
          'ws',
        ),
      );
      connection.send({ type: 'message_accepted', ...accepted });
      // A client retrying a message whose run already ended would wait for an event that came and went: send the
      // run's final event again (if the log still holds it; otherwise GET /runs/:id has the outcome).
      if (duplicate) {
        const terminal = (await this.deps.streams.runEvents(accepted.threadId, accepted.runId, null)).filter((e) => isTerminalEvent(e as { type: string })).pop();
        if (terminal) connection.send(RunEvent.parse(terminal));
      }
    } catch (error) {
      if (created) this.unfollow(connection, frame.threadId);
      throw error;
    }
  }

  /** Answered by the run's `agent_stopped` event; a run that already ended gets a `conflict` error saying so. */
  private async stopAgent(connection: ClientConnection, frame: StopAgentFrame): Promise<void> {
    const threadId = await this.deps.runs.threadOf(connection.user.id, frame.runId);
    // Make sure this socket sees the agent_stopped event even if it never followed the thread.
    if (!connection.follower(threadId)) void this.follow(connection, threadId).anchor();
    const result = await withContext({ runId: frame.runId, threadId }, () => this.deps.runs.cancel(connection.user.id, frame.runId));
    if (!result.cancelled) throw new NetraError('conflict', result.message, { details: { runId: result.runId, status: result.status } });
  }

  /**
   * Replays the thread's events after `after` (or, without it, from the start of its unfinished runs), then
   * continues live. Live events that arrive during the replay are held and de-duplicated by event id.
   */
  private async subscribe(connection: ClientConnection, frame: SubscribeFrame): Promise<void> {
    await this.deps.threads.assertOwned(connection.user.id, frame.threadId);
    const follower = connection.follower(frame.threadId) ?? this.follow(connection, frame.threadId);
    const { replayed, lastEventId } = await follower.resume(frame.after);
    // A follower closed during the replay (slow consumer): the socket is closing, the client resumes from what it got.
    if (follower.isClosed) return;
    connection.send({ type: 'subscribed', threadId: frame.threadId, lastEventId, replayed });
  }

  /** A follower of the thread for this socket, receiving live events from now (held until anchored or resumed). */
  private follow(connection: ClientConnection, threadId: string): ThreadFollower {
    const follower = this.deps.streams.follow(connection.user.id, {
      threadId,
      write: (raw, envelope, bytes) => connection.writeEvent(bytes ?? raw, envelope.type),
      onBroken: (error) => {
        // The socket cannot be told what it missed: close it so the client resumes with `subscribe`.
        this.log.warn('catch-up failed; closing the socket so the client resumes', { connectionId: connection.id, ...errorFields(error) });
        connection.socket.close(WsCloseCode.tryAgainLater, 'resume with subscribe');
      },
    });
    connection.addFollower(follower);
    return follower;
  }

  private unfollow(connection: ClientConnection, threadId: string): void {
    const follower = connection.removeFollower(threadId);
    if (follower) this.deps.streams.unfollow(connection.user.id, follower);
  }

  /** An alert for the user: to every socket of theirs, whatever thread it follows. */
  private readonly onNotification = (userId: string, frame: NotificationFrame): void => {
    for (const connection of this.byUser.get(userId) ?? []) connection.send(frame);
  };

  private sendError(connection: ClientConnection, error: unknown, clientMessageId: string | undefined): void {
    const { error: netra, unexpected } = toNetraError(error);
    if (unexpected) this.log.error('frame failed', errorFields(error));
    metrics.messagesRejected.inc({ code: netra.code });
    connection.send({
      type: 'error',
      code: netra.code,
      message: netra.message,
      ...(netra.details === undefined ? {} : { details: netra.details }),
      ...(clientMessageId ? { clientMessageId } : {}),
      ...(netra.retryAfterMs === undefined ? {} : { retryAfterMs: netra.retryAfterMs }),
    });
  }
}

const PLAIN_PING = Buffer.from(JSON.stringify({ type: 'ping' } satisfies ClientFrame));

/** The frame is exactly `{"type":"ping"}` (what JSON.stringify of a ping gives): a valid ping, nothing to parse. */
function isPlainPing(data: RawData): boolean {
  return Buffer.isBuffer(data) && data.length === PLAIN_PING.length && data.equals(PLAIN_PING);
}

/** Echo the clientMessageId of an invalid frame when one can be read, so the client can match the error. */
function rawClientMessageId(data: RawData): string | undefined {
  try {
    const json: unknown = JSON.parse(data.toString());
    const id = typeof json === 'object' && json !== null ? (json as { clientMessageId?: unknown }).clientMessageId : undefined;
    return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
  } catch {
    return undefined;
  }
}

function reject(socket: Duplex, status: number, error: NetraError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(error.toBody());
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' }[status] ?? 'Error';
  const retry = error.retryAfterMs === undefined ? '' : `Retry-After: ${Math.max(1, Math.ceil(error.retryAfterMs / 1000))}\r\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n${retry}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
