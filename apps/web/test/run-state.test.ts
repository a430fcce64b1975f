import fc from 'fast-check';
import { AGENTS, formatEventId, type Run } from '@netra/contracts';
import { applyRunEvent, applyRunSnapshot, emptyRun, runPhase, stageList, streamedText, toolCalls, type RunView } from '../src/state/run';
import { report, runEvents } from './fixtures';

function fold(run: RunView, events: Parameters<typeof applyRunEvent>[1][]): RunView {
  return events.reduce(applyRunEvent, run);
}

/** What the UI renders of a run: everything but bookkeeping. */
function view(run: RunView) {
  return {
    phase: runPhase(run),
    attempt: run.attempt,
    stages: stageList(run).map((s) => [s.agent, s.status, s.summary, s.durationMs, s.startedAt]),
    text: streamedText(run),
    tools: AGENTS.map((a) => toolCalls(run, a)),
    terminal: run.terminal,
    count: run.seen.length,
  };
}

describe('the run reducer', () => {
  it('folds a whole run: five stages complete in order, then the report', () => {
    const events = runEvents({ tokens: true });
    const first = events[0];
    if (!first) throw new Error('no events');
    const run = fold(emptyRun(first.runId, first.threadId), events);
    expect(runPhase(run)).toBe('completed');
    expect(stageList(run).map((s) => [s.agent, s.status, s.summary, s.durationMs])).toEqual(
      AGENTS.map((a) => [a, 'completed', `${a} summary`, 42]),
    );
    expect(run.terminal?.report).toEqual(report);
    expect(streamedText(run).map((s) => s.agent)).toEqual([...AGENTS]);
    expect(streamedText(run)[0]?.text).toBe('triage says hello. triage is done.');
  });

  it('shows a run as queued, then running stage by stage', () => {
    const events = runEvents();
    const first = events[0];
    if (!first) throw new Error('no events');
    let run = emptyRun(first.runId, first.threadId);
    expect(runPhase(run)).toBe('queued');
    run = fold(run, events.slice(0, 4)); // started, triage running+completed, data running
    expect(runPhase(run)).toBe('running');
    expect(stageList(run).map((s) => s.status)).toEqual(['completed', 'running', 'pending', 'pending', 'pending']);
    expect(run.stages.data.startedAt).toBe(events[3]?.ts);
  });

  it('ignores duplicated events (a replay overlapping live delivery)', () => {
    const events = runEvents({ tokens: true });
    const first = events[0];
    if (!first) throw new Error('no events');
    const once = fold(emptyRun(first.runId, first.threadId), events);
    const twice = fold(once, [...events.slice(3), ...events]);
    expect(twice).toEqual(once);
    expect(streamedText(twice)[0]?.text).toBe('triage says hello. triage is done.');
  });

  it('reaches the same state whatever the order and however many duplicates (property)', () => {
    const events = runEvents({ tokens: true, tools: true });
    const first = events[0];
    if (!first) throw new Error('no events');
    const expected = view(fold(emptyRun(first.runId, first.threadId), events));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.nat(events.length - 1), { maxLength: 10 }),
        (shuffled, dupes) => {
          const withDupes = [...shuffled, ...dupes.map((i) => events[i] as (typeof events)[number])];
          expect(view(fold(emptyRun(first.runId, first.threadId), withDupes))).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps a later status when an older event arrives after it', () => {
    const events = runEvents();
    const first = events[0];
    if (!first) throw new Error('no events');
    const running = events[1];
    const completed = events[2];
    if (!running || !completed) throw new Error('no events');
    const run = fold(emptyRun(first.runId, first.threadId), [completed, running]);
    expect(run.stages.triage).toMatchObject({ status: 'completed', summary: 'triage summary', durationMs: 42, startedAt: running.ts });
  });

  it('ignores events of other runs', () => {
    const a = runEvents();
    const b = runEvents();
    const first = a[0];
    if (!first) throw new Error('no events');
    const run = fold(emptyRun(first.runId, first.threadId), b);
    expect(run.seen).toEqual([]);
  });

  it('ends a failed run with its error, and a stopped one as cancelled', () => {
    const failed = runEvents({ end: 'failed' });
    const f0 = failed[0];
    if (!f0) throw new Error('no events');
    const run = fold(emptyRun(f0.runId, f0.threadId), failed);
    expect(runPhase(run)).toBe('failed');
    expect(run.terminal?.error).toEqual({ code: 'agent_failed', message: 'data: boom' });
    expect(run.stages.optimization.status).toBe('pending');

    const stopped = runEvents({ end: 'stopped' });
    const s0 = stopped[0];
    if (!s0) throw new Error('no events');
    const run2 = fold({ ...emptyRun(s0.runId, s0.threadId), stop: { state: 'requested' } }, stopped);
    expect(runPhase(run2)).toBe('cancelled');
    expect(run2.terminal?.reason).toBe('stopped by the user');
    expect(run2.stop).toEqual({ state: 'idle' });
  });

  it('a retried attempt restarts the stream and re-runs stages without losing earlier ones', () => {
    const events = runEvents({ tokens: true });
    const first = events[0];
    if (!first || first.type !== 'agent_started') throw new Error('no events');
    const { runId, threadId } = first;
    // Attempt 1 got through triage and half of data, then the worker died.
    const attempt1 = events.slice(0, 9);
    let seq = 100;
    const next = () => ({ eventId: formatEventId(seq++), runId, threadId, ts: '2025-02-01T10:05:00.000Z' });
    const attempt2 = [
      { type: 'agent_started' as const, ...next(), messageId: first.messageId, attempt: 2 },
      { type: 'sub_agent_update' as const, ...next(), agent: 'data' as const, status: 'running' as const },
      { type: 'agent_token' as const, ...next(), agent: 'data' as const, delta: 'again' },
    ];
    const run = fold(emptyRun(runId, threadId), [...attempt2, ...attempt1]);
    expect(run.attempt).toBe(2);
    expect(run.stages.triage.status).toBe('completed');
    expect(run.stages.data.status).toBe('running');
    expect(streamedText(run)).toEqual([{ agent: 'data', text: 'again' }]);
  });

  it('keeps the first terminal event if two ever arrive', () => {
    const events = runEvents();
    const first = events[0];
    if (!first) throw new Error('no events');
    const late = { type: 'agent_failed' as const, eventId: formatEventId(999), runId: first.runId, threadId: first.threadId, ts: first.ts, error: { code: 'x', message: 'late' } };
    const a = fold(emptyRun(first.runId, first.threadId), [...events, late]);
    const b = fold(emptyRun(first.runId, first.threadId), [late, ...events]);
    expect(a.terminal?.phase).toBe('completed');
    expect(b.terminal?.phase).toBe('completed');
  });

  it('a snapshot from GET /runs/:id sits under live events', () => {
    const events = runEvents({ end: 'failed' });
    const first = events[0];
    if (!first || first.type !== 'agent_started') throw new Error('no events');
    const snapshot: Run = {
      id: first.runId,
      threadId: first.threadId,
      userMessageId: first.messageId,
      assistantMessageId: null,
      status: 'running',
      strategy: 'enqueue',
      attempts: 1,
      createdAt: first.ts,
      startedAt: first.ts,
      finishedAt: null,
      durationMs: null,
      error: null,
      report: null,
      steps: [
        { agent: 'triage', status: 'completed', attempt: 1, summary: 'from snapshot', output: null, error: null, startedAt: first.ts, finishedAt: first.ts, durationMs: 5 },
        { agent: 'data', status: 'running', attempt: 1, summary: null, output: null, error: null, startedAt: first.ts, finishedAt: null, durationMs: null },
      ],
    };
    const fromSnapshot = applyRunSnapshot(emptyRun(first.runId, first.threadId), snapshot);
    expect(runPhase(fromSnapshot)).toBe('running');
    expect(fromSnapshot.stages.triage.summary).toBe('from snapshot');
    const withEvents = fold(fromSnapshot, events);
    expect(withEvents.stages.triage.summary).toBe('triage summary');
    expect(runPhase(withEvents)).toBe('failed');
    // And a finished snapshot ends the run even without events; a real terminal event replaces it.
    const cancelled = applyRunSnapshot(emptyRun(first.runId, first.threadId), { ...snapshot, status: 'cancelled', finishedAt: first.ts });
    expect(runPhase(cancelled)).toBe('cancelled');
    const after = events[events.length - 1];
    if (!after) throw new Error('no events');
    expect(runPhase(applyRunEvent(cancelled, after))).toBe('failed');
  });

  it('shows each agent’s tool calls under its stage, in call order, paired with their results', () => {
    const events = runEvents({ tools: true });
    const first = events[0];
    if (!first) throw new Error('no events');
    const run = fold(emptyRun(first.runId, first.threadId), events);
    for (const agent of AGENTS) {
      expect(toolCalls(run, agent)).toEqual([
        { callId: `${agent}:1`, tool: `${agent}_tool_1`, status: 'ok', summary: `${agent} result 1`, durationMs: 840 },
        { callId: `${agent}:2`, tool: `${agent}_tool_2`, status: 'failed', summary: `${agent} result 2`, durationMs: 1680 },
      ]);
    }
    // Tool events are run events like the others: counted once each.
    expect(run.seen).toHaveLength(events.length);
    expect(run.tools).toHaveLength(AGENTS.length * 4);
  });

  it('ignores a duplicated tool_call / tool_result (same eventId)', () => {
    const events = runEvents({ tools: true });
    const first = events[0];
    if (!first) throw new Error('no events');
    const once = fold(emptyRun(first.runId, first.threadId), events);
    const toolEvents = events.filter((e) => e.type === 'tool_call' || e.type === 'tool_result');
    expect(toolEvents).toHaveLength(AGENTS.length * 4);
    const again = fold(once, toolEvents);
    expect(again).toBe(once);
    expect(toolCalls(again, 'data')).toHaveLength(2);
  });

  it('shows a call without its result as running, and a result that arrived before its call once the call is there', () => {
    const events = runEvents({ tools: true });
    const first = events[0];
    if (!first) throw new Error('no events');
    const call = events.find((e) => e.type === 'tool_call' && e.callId === 'data:1');
    const result = events.find((e) => e.type === 'tool_result' && e.callId === 'data:1');
    if (!call || !result) throw new Error('no tool events');
    const empty = emptyRun(first.runId, first.threadId);
    expect(toolCalls(applyRunEvent(empty, call), 'data')).toEqual([{ callId: 'data:1', tool: 'data_tool_1', status: 'running', summary: null, durationMs: null }]);
    const reversed = fold(empty, [result, call]);
    expect(toolCalls(reversed, 'data')).toEqual([{ callId: 'data:1', tool: 'data_tool_1', status: 'ok', summary: 'data result 1', durationMs: 840 }]);
    // Other agents have none.
    expect(toolCalls(reversed, 'triage')).toEqual([]);
  });

  it('a re-run agent reusing a callId shows the newer call, not the older result', () => {
    const first = runEvents()[0];
    if (!first) throw new Error('no events');
    const { runId, threadId } = first;
    let seq = 1;
    const next = () => ({ eventId: formatEventId(seq++), runId, threadId, ts: '2025-02-01T10:05:00.000Z' });
    const call = { type: 'tool_call' as const, agent: 'data' as const, tool: 'usage_summary', callId: 'data:1', args: {} };
    const oldCall = { ...call, ...next() };
    const oldResult = { ...call, ...next(), type: 'tool_result' as const, durationMs: 12, summary: 'old', ok: true };
    const newCall = { ...call, ...next() };
    const run = fold(emptyRun(runId, threadId), [newCall, oldCall, oldResult]);
    expect(toolCalls(run, 'data')).toEqual([{ callId: 'data:1', tool: 'usage_summary', status: 'running', summary: null, durationMs: null }]);
  });
});
