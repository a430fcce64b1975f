import { parseFrame } from '../src/api/socket';
import { backoffDelay, BACKOFF_MAX_MS, connectionReducer, initialConnection } from '../src/state/connection';
import { problem, retryCountdown, retryHint } from '../src/state/problem';
import { settle, type PendingRequest } from '../src/state/requests';
import { fullReport, runEvents } from './fixtures';

describe('matching uncorrelated replies to requests', () => {
  const stop: PendingRequest = { kind: 'stop', runId: 'r1', threadId: 't1' };
  const ping: PendingRequest = { kind: 'ping' };
  const sub: PendingRequest = { kind: 'subscribe', threadId: 't2' };

  it('attributes an error before the barrier pong to the stop', () => {
    const r = settle([stop, ping], { type: 'error' });
    expect(r.failed).toEqual(stop);
    expect(settle(r.queue, { type: 'pong' })).toEqual({ queue: [], succeeded: [ping], failed: null });
  });

  it('a pong with no error before it means the stop was taken', () => {
    expect(settle([stop, ping, sub], { type: 'pong' })).toEqual({ queue: [sub], succeeded: [stop, ping], failed: null });
  });

  it('a subscribed frame settles its subscribe; an error after a taken stop goes to the next request', () => {
    const afterPong = settle([stop, ping, sub], { type: 'pong' }).queue;
    expect(settle(afterPong, { type: 'error' }).failed).toEqual(sub);
    expect(settle([sub], { type: 'subscribed', threadId: 't2' }).queue).toEqual([]);
    expect(settle([sub], { type: 'subscribed', threadId: 'other' }).queue).toEqual([sub]);
  });

  it('an error that matches nothing is nobody’s', () => {
    expect(settle([], { type: 'error' }).failed).toBeNull();
  });
});

describe('reconnecting', () => {
  it('backs off exponentially with jitter, capped at 30 s', () => {
    expect(backoffDelay(1, 0)).toBe(250);
    expect(backoffDelay(1, 1)).toBe(500);
    expect(backoffDelay(4, 1)).toBe(4000);
    expect(backoffDelay(20, 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(20, 0)).toBe(BACKOFF_MAX_MS / 2);
    for (let i = 0; i < 50; i += 1) {
      const d = backoffDelay(3);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  it('counts failed attempts until the socket is open again', () => {
    let s = connectionReducer(initialConnection, { type: 'connecting' });
    s = connectionReducer(s, { type: 'lost', retryAt: 5, problem: null });
    s = connectionReducer(s, { type: 'connecting' });
    s = connectionReducer(s, { type: 'lost', retryAt: 9, problem: null });
    expect(s).toMatchObject({ status: 'waiting', attempt: 2, retryAt: 9 });
    expect(connectionReducer(s, { type: 'open' })).toEqual({ status: 'open', attempt: 0, retryAt: null, problem: null });
  });
});

describe('problems', () => {
  it('never shows raw JSON and counts down the retry time', () => {
    const p = problem('rate_limited', '{"error":{"code":"rate_limited"}}', { retryAfterMs: 12_000, now: 0 });
    expect(p.message).toBe('You are sending requests too fast.');
    expect(retryHint(p, 0)).toBe('Try again in 12 s.');
    expect(retryHint(p, 11_500)).toBe('Try again in 1 s.');
    expect(retryHint(p, 12_000)).toBe('You can try again now.');
    // The clock's last tick came just before the deadline, the render just after: the clock stops, and says so.
    expect(retryCountdown(p, 11_999, 12_001)).toEqual({ running: false, hint: 'You can try again now.' });
    expect(retryCountdown(p, 10_000, 10_002)).toEqual({ running: true, hint: 'Try again in 2 s.' });
    expect(problem('invalid_message', 'Invalid user_message frame at text: Too big').message).toBe('Invalid user_message frame at text: Too big');
    expect(problem('internal', 'TypeError: x is undefined').message).not.toContain('TypeError');
  });
});

describe('validating incoming frames', () => {
  it('accepts every run event the worker publishes, tool calls and results included, exactly as sent', () => {
    const events = runEvents({ tools: true, tokens: true });
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['agent_started', 'sub_agent_update', 'agent_token', 'tool_call', 'tool_result', 'agent_completed']));
    for (const event of events) expect(parseFrame(JSON.stringify(event))).toEqual(event);
  });

  it('accepts a report with the new parts, and fills the lists an older report lacks', () => {
    const [started] = runEvents();
    if (!started) throw new Error('no events');
    const completed = { ...started, type: 'agent_completed', report: fullReport };
    expect(parseFrame(JSON.stringify(completed))).toMatchObject({ type: 'agent_completed', report: { findings: fullReport.findings, forecast: fullReport.forecast } });
    const { findings: _f, minorRecommendations: _m, ...older } = fullReport;
    const parsed = parseFrame(JSON.stringify({ ...completed, report: older }));
    expect(parsed?.type === 'agent_completed' ? [parsed.report.findings, parsed.report.minorRecommendations] : null).toEqual([[], []]);
  });

  it('drops a frame that does not match the contract', () => {
    const events = runEvents({ tools: true });
    const result = events.find((e) => e.type === 'tool_result');
    if (!result) throw new Error('no tool_result');
    expect(parseFrame(JSON.stringify({ ...result, durationMs: -1 }))).toBeNull();
    expect(parseFrame(JSON.stringify({ ...result, type: 'tool_progress' }))).toBeNull();
    expect(parseFrame('{not json')).toBeNull();
    expect(parseFrame(new ArrayBuffer(2))).toBeNull();
  });
});
