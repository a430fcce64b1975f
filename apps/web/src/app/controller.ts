import {
  ImportResult,
  MessagePage,
  PublicConfig,
  Run,
  SyntheticUsageResult,
  Thread,
  ThreadPage,
  TokenResponse,
  UsageSummary,
  formatEventId,
  type ServerFrame,
  type SyntheticUsageBody,
} from '@netra/contracts';
import { z } from 'zod';
import { ApiError, Http, API, problemOf } from '../api/http';
import { NetraSocket } from '../api/socket';
import type { Session } from '../state/app';
import { problem, type Problem } from '../state/problem';
import { settle, type PendingRequest } from '../state/requests';
import { activeRun, answerOf, emptyThread, unsent, type ThreadChat } from '../state/thread';
import { clearSession, loadSession, readJwt, saveSession } from './session';
import { Store } from './store';

const THREAD_PAGE = 30;
const MESSAGE_PAGE = 30;
/** Runs without an answer in a freshly loaded page whose outcome is fetched (failed/cancelled ones show why). */
const SNAPSHOTS_PER_PAGE = 5;

const WsTicket = z.object({ ticket: z.string(), url: z.string(), expiresAt: z.string() });

/**
 * Everything with side effects: HTTP calls, the socket, sessionStorage, timers. It turns their results into
 * actions for the pure reducers in `state/`, and it is the only thing the components call.
 */
export class Controller {
  readonly store = new Store();
  readonly http: Http;
  private readonly socket: NetraSocket;
  /** Frames sent on the current socket that await an uncorrelated answer (see state/requests.ts). */
  private pending: PendingRequest[] = [];
  /** Threads this tab follows: resubscribed after every reconnect. */
  private readonly followed = new Set<string>();
  /** Threads whose view was opened (history requested, subscribed) at least once. */
  private readonly opened = new Set<string>();
  /** The conversation this tab created last, while nothing was sent in it (see createThread). */
  private draft: string | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.http = new Http({
      token: () => this.store.getState().session?.token ?? null,
      onUnauthorized: (p) => this.signOut(problem('unauthorized', `Your session is no longer valid (${p.message}). Sign in again.`)),
    });
    this.socket = new NetraSocket({
      ticket: () => this.http.request('POST', '/ws-tickets', WsTicket, {}),
      onFrame: (frame) => this.onFrame(frame),
      onOpen: () => this.onOpen(),
      onStatus: (action) => this.store.dispatch({ type: 'connection', action }),
      onUnauthorized: () => this.signOut(problem('unauthorized', 'Your session has expired. Sign in again.')),
      heartbeat: () => this.ping(),
    });
  }

  /** Resumes the session this tab had before a reload, if any. */
  init(): void {
    const session = loadSession();
    if (session) this.begin(session);
  }

  // ---- sign-in -------------------------------------------------------------------------------------------

  /** Whether the gateway offers development sign-in: asked of `GET /public-config`, never probed. */
  async devLoginAvailable(): Promise<boolean> {
    const config = await this.http.request('GET', '/public-config', PublicConfig, undefined, { auth: false });
    return config.devLogin;
  }

  async signInDev(userId: string): Promise<void> {
    const res = await this.http.request('POST', '/auth/dev-token', TokenResponse, { userId: userId.trim() }, { auth: false });
    this.begin({ userId: userId.trim(), token: res.token, expiresAt: Date.parse(res.expiresAt), method: 'dev' });
  }

  /** Signs in with a bearer token from the team's identity provider, after checking that the gateway accepts it. */
  async signInToken(raw: string): Promise<void> {
    const token = raw.trim().replace(/^bearer\s+/i, '');
    const claims = readJwt(token);
    if (!claims) throw new ApiError(0, problem('invalid_message', 'That is not a JWT (three base64url parts separated by dots).'));
    if (claims.expiresAt !== null && claims.expiresAt <= Date.now()) {
      throw new ApiError(0, problem('unauthorized', 'That token has already expired. Get a fresh one from your identity provider.'));
    }
    let res: Response;
    try {
      res = await fetch(`${API}/threads?limit=1`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, credentials: 'omit' });
    } catch {
      throw new ApiError(0, problem('network', undefined));
    }
    if (!res.ok) throw new ApiError(res.status, await problemOf(res));
    this.begin({ userId: claims.subject ?? 'unknown user', token, expiresAt: claims.expiresAt, method: 'token' });
  }

  signOut(reason: Problem | null = null): void {
    clearTimeout(this.expiryTimer);
    this.socket.stop();
    this.pending = [];
    this.followed.clear();
    this.opened.clear();
    clearSession();
    this.store.dispatch({ type: 'signed_out', problem: reason });
  }

  private begin(session: Session): void {
    saveSession(session);
    this.store.dispatch({ type: 'signed_in', session });
    clearTimeout(this.expiryTimer);
    if (session.expiresAt !== null) {
      // setTimeout's limit is ~24.8 days; longer-lived tokens are checked again on the next API call anyway.
      const delay = Math.min(session.expiresAt - Date.now(), 2 ** 31 - 1);
      this.expiryTimer = setTimeout(() => this.signOut(problem('unauthorized', 'Your session has expired. Sign in again.')), delay);
    }
    this.socket.start();
    void this.loadMoreThreads();
  }

  // ---- threads -------------------------------------------------------------------------------------------

  setThreadFilter(query: string, archived: boolean): void {
    this.store.dispatch({ type: 'threads', action: { type: 'filter', query, archived } });
    void this.loadMoreThreads();
  }

  async loadMoreThreads(): Promise<void> {
    const list = this.store.getState().threads;
    if (list.loading || list.complete || !this.store.getState().session) return;
    const { generation } = list;
    this.store.dispatch({ type: 'threads', action: { type: 'loading' } });
    const params = new URLSearchParams({ limit: String(THREAD_PAGE), archived: String(list.archived) });
    if (list.cursor) params.set('cursor', list.cursor);
    if (list.query.trim()) params.set('q', list.query.trim());
    try {
      const page = await this.http.request('GET', `/threads?${params}`, ThreadPage);
      this.store.dispatch({ type: 'threads', action: { type: 'page', generation, page } });
    } catch (error) {
      this.store.dispatch({ type: 'threads', action: { type: 'failed', generation, problem: problemFrom(error) } });
    }
  }

  /**
   * A new conversation. The one this tab created last is reused while nothing was sent in it (renamed when a title
   * is given): "New conversation" then an example question, or "New conversation" twice, leave no empty
   * conversation behind.
   */
  async createThread(title?: string): Promise<Thread> {
    const draft = this.draft === undefined ? undefined : this.store.getState().threads.items.find((t) => t.id === this.draft);
    const chat = draft ? this.store.getState().chats[draft.id] : undefined;
    if (draft && !draft.archived && (chat?.messages.length ?? 0) === 0) {
      return title && title !== draft.title ? this.renameThread(draft.id, title) : draft;
    }
    const thread = await this.http.request('POST', '/threads', Thread, title ? { title } : {});
    this.store.dispatch({ type: 'threads', action: { type: 'created', thread } });
    this.draft = thread.id;
    return thread;
  }

  async renameThread(threadId: string, title: string): Promise<Thread> {
    const thread = await this.http.request('PATCH', `/threads/${threadId}`, Thread, { title });
    this.store.dispatch({ type: 'threads', action: { type: 'updated', thread } });
    return thread;
  }

  async archiveThread(threadId: string): Promise<Thread> {
    const thread = await this.http.request('DELETE', `/threads/${threadId}`, Thread);
    this.store.dispatch({ type: 'threads', action: { type: 'updated', thread } });
    return thread;
  }

  async restoreThread(threadId: string): Promise<Thread> {
    const thread = await this.http.request('PATCH', `/threads/${threadId}`, Thread, { archived: false });
    this.store.dispatch({ type: 'threads', action: { type: 'updated', thread } });
    return thread;
  }

  getThread(threadId: string): Promise<Thread> {
    return this.http.request('GET', `/threads/${threadId}`, Thread);
  }

  // ---- a conversation ------------------------------------------------------------------------------------

  private chat(threadId: string): ThreadChat {
    return this.store.getState().chats[threadId] ?? emptyThread(threadId);
  }

  /** Shows a thread: its latest history page, and its events live (replaying those of runs still in flight). */
  openThread(threadId: string): void {
    const chat = this.chat(threadId);
    if (!chat.history.loaded && !chat.history.loading) void this.loadHistory(threadId);
    if (!this.opened.has(threadId)) {
      this.opened.add(threadId);
      this.followed.add(threadId);
      this.subscribe(threadId);
    }
  }

  async loadHistory(threadId: string): Promise<void> {
    const chat = this.chat(threadId);
    if (chat.history.loading || chat.history.complete) return;
    this.store.dispatch({ type: 'thread', threadId, action: { type: 'history_loading' } });
    const params = new URLSearchParams({ limit: String(MESSAGE_PAGE), order: 'desc' });
    if (chat.history.cursor) params.set('cursor', chat.history.cursor);
    try {
      const page = await this.http.request('GET', `/threads/${threadId}/messages?${params}`, MessagePage);
      this.store.dispatch({ type: 'thread', threadId, action: { type: 'history_page', page } });
      void this.loadSnapshots(threadId, page.data.filter((m) => m.role === 'user' && m.runId).map((m) => m.runId as string));
    } catch (error) {
      this.store.dispatch({ type: 'thread', threadId, action: { type: 'history_failed', problem: problemFrom(error) } });
    }
  }

  /** For runs in history without an answer, fetch how they ended (or how far they got). */
  private async loadSnapshots(threadId: string, runIds: string[]): Promise<void> {
    const chat = this.chat(threadId);
    const missing = runIds.filter((id) => !answerOf(chat, id) && !chat.runs[id]?.terminal).slice(0, SNAPSHOTS_PER_PAGE);
    await Promise.all(
      missing.map(async (runId) => {
        try {
          const run = await this.http.request('GET', `/runs/${runId}`, Run);
          this.store.dispatch({ type: 'thread', threadId, action: { type: 'run_snapshot', run } });
        } catch {
          // A snapshot is a nicety; the events (or their absence) still tell the story.
        }
      }),
    );
  }

  send(threadId: string, text: string): void {
    if (threadId === this.draft) this.draft = undefined;
    const clientMessageId = crypto.randomUUID();
    this.store.dispatch({ type: 'thread', threadId, action: { type: 'send', clientMessageId, text, createdAt: new Date().toISOString() } });
    // Sending follows the thread on the gateway; remember it so a reconnect resubscribes.
    this.followed.add(threadId);
    // If the socket is down the message stays "sending" and goes out, with the same id, once it is back.
    this.socket.send({ type: 'user_message', threadId, text, clientMessageId });
  }

  resend(threadId: string, clientMessageId: string): void {
    const message = this.chat(threadId).messages.find((m) => m.clientMessageId === clientMessageId);
    if (!message) return;
    this.store.dispatch({ type: 'thread', threadId, action: { type: 'resend', clientMessageId } });
    this.socket.send({ type: 'user_message', threadId, text: message.content, clientMessageId });
  }

  discard(threadId: string, clientMessageId: string): void {
    this.store.dispatch({ type: 'thread', threadId, action: { type: 'discard', clientMessageId } });
  }

  stop(threadId: string, runId: string): void {
    if (!this.socket.send({ type: 'stop_agent', runId })) {
      this.store.dispatch({ type: 'thread', threadId, action: { type: 'stop_failed', runId, message: 'Not connected. Try again once the connection is back.' } });
      return;
    }
    this.pending.push({ kind: 'stop', runId, threadId });
    this.store.dispatch({ type: 'thread', threadId, action: { type: 'stop_requested', runId } });
    // The barrier that tells a taken stop (pong first) from a refused one (error first).
    this.ping();
  }

  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  dismiss(id: number): void {
    this.store.dispatch({ type: 'dismiss', id });
  }

  // ---- socket --------------------------------------------------------------------------------------------

  private ping(): void {
    if (this.socket.send({ type: 'ping' })) this.pending.push({ kind: 'ping' });
  }

  private subscribe(threadId: string): void {
    const chat = this.chat(threadId);
    // Resume after the last event seen. With none seen yet but a run of ours in flight (sent, then the socket
    // dropped before its first event), replay the thread's log from its start so that run's events are not lost.
    const after = chat.lastEventId ?? (activeRun(chat) ? formatEventId(0) : undefined);
    if (this.socket.send({ type: 'subscribe', threadId, ...(after ? { after } : {}) })) this.pending.push({ kind: 'subscribe', threadId });
  }

  private onOpen(): void {
    this.pending = [];
    for (const threadId of this.followed) this.subscribe(threadId);
    for (const chat of Object.values(this.store.getState().chats)) {
      for (const m of unsent(chat)) {
        this.socket.send({ type: 'user_message', threadId: chat.threadId, text: m.text, clientMessageId: m.clientMessageId });
      }
    }
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.type === 'pong') {
      // Stops settled by the pong were taken; the run's `agent_stopped` event will end them in the UI.
      this.pending = settle(this.pending, { type: 'pong' }).queue;
      return;
    }
    if (frame.type === 'subscribed') {
      this.pending = settle(this.pending, { type: 'subscribed', threadId: frame.threadId }).queue;
      this.store.dispatch({ type: 'frame', frame });
      return;
    }
    if (frame.type === 'error' && !frame.clientMessageId) {
      const result = settle(this.pending, { type: 'error' });
      this.pending = result.queue;
      const p = problem(frame.code, frame.message, { retryAfterMs: frame.retryAfterMs });
      const failed = result.failed;
      if (failed?.kind === 'stop') {
        this.store.dispatch({ type: 'thread', threadId: failed.threadId, action: { type: 'stop_failed', runId: failed.runId, message: p.message } });
        return;
      }
      if (failed?.kind === 'subscribe') {
        this.followed.delete(failed.threadId);
        this.store.dispatch({
          type: 'thread',
          threadId: failed.threadId,
          action: { type: 'history_failed', problem: problem(p.code, `Live updates for this conversation are off: ${p.message}`) },
        });
        return;
      }
      this.store.dispatch({ type: 'notice', problem: p });
      return;
    }
    this.store.dispatch({ type: 'frame', frame });
  }

  // ---- usage data ----------------------------------------------------------------------------------------

  usageSummary(from: Date, to: Date): Promise<UsageSummary> {
    const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    return this.http.request('GET', `/usage/summary?${params}`, UsageSummary);
  }

  generateSynthetic(body: SyntheticUsageBody): Promise<SyntheticUsageResult> {
    return this.http.request('POST', '/usage-events/synthetic', SyntheticUsageResult, body);
  }

  /**
   * Streams a JSONL/CSV file to `POST /usage-events/import`. XMLHttpRequest because fetch() cannot report
   * upload progress; the body is the File itself, so the browser streams it from disk.
   */
  importUsage(file: File, onProgress: (sent: number, total: number) => void): { done: Promise<ImportResult>; abort: () => void } {
    const xhr = new XMLHttpRequest();
    const done = new Promise<ImportResult>((resolve, reject) => {
      xhr.open('POST', `${API}/usage-events/import`);
      const token = this.store.getState().session?.token;
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.setRequestHeader('content-type', usageContentType(file));
      xhr.setRequestHeader('accept', 'application/json');
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onerror = () => reject(new ApiError(0, problem('network', undefined)));
      xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
      xhr.onload = () => {
        const res = new Response(xhr.responseText, { status: xhr.status, headers: { 'retry-after': xhr.getResponseHeader('retry-after') ?? '' } });
        if (xhr.status < 200 || xhr.status >= 300) {
          void problemOf(res).then((p) => {
            if (xhr.status === 401) this.signOut(problem('unauthorized', 'Your session has expired. Sign in again.'));
            reject(new ApiError(xhr.status, p));
          });
          return;
        }
        let json: unknown;
        try {
          json = JSON.parse(xhr.responseText);
        } catch {
          json = undefined;
        }
        const parsed = ImportResult.safeParse(json);
        if (parsed.success) resolve(parsed.data);
        else reject(new ApiError(xhr.status, problem('protocol', 'The import finished, but its answer did not match the API contract.')));
      };
      xhr.send(file);
    });
    return { done, abort: () => xhr.abort() };
  }
}

export function usageContentType(file: File): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv')) return 'text/csv';
  return 'application/x-ndjson';
}

export function problemFrom(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return problem('internal', undefined);
}
