import type { AgentName } from '@netra/contracts';
import { duration } from '../state/format';
import { runPhase, stageList, streamedText, toolCalls, type RunView, type StageView, type ToolCallView } from '../state/run';
import { useController, useNow } from './context';
import { Icon } from './Icons';

const STAGE_LABEL: Record<AgentName, string> = {
  triage: 'Triage',
  data: 'Data',
  optimization: 'Optimization',
  actions: 'Actions',
  reporting: 'Reporting',
};

const STAGE_HELP: Record<AgentName, string> = {
  triage: 'understands the question',
  data: 'queries your usage',
  optimization: 'computes savings',
  actions: 'plans the changes',
  reporting: 'writes the report',
};

const STATUS_TEXT: Record<StageView['status'], string> = {
  pending: 'waiting',
  running: 'running',
  completed: 'done',
  failed: 'failed',
  skipped: 'skipped',
};

const PHASE_TEXT = {
  queued: 'Queued — waiting for a worker',
  running: 'Working',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Stopped',
} as const;

const TOOL_STATUS_TEXT: Record<ToolCallView['status'], string> = {
  running: 'running',
  ok: 'done',
  failed: 'failed',
};

/** The five-stage view of a run: each stage's status, duration, summary and tool calls, streamed text, and Stop. */
export function RunProgress({ threadId, run }: { threadId: string; run: RunView }) {
  const controller = useController();
  const phase = runPhase(run);
  const active = run.terminal === null;
  const now = useNow(active);
  const streams = streamedText(run);

  return (
    <section className={`run run-${phase}`} aria-label="Agent progress" data-testid="run-progress" data-run-id={run.runId} data-phase={phase}>
      <header className="run-head">
        <h3 className="run-title" aria-live="polite">
          {PHASE_TEXT[phase]}
          {run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}
        </h3>
        {active ? (
          <button
            type="button"
            className="danger small"
            onClick={() => controller.stop(threadId, run.runId)}
            disabled={run.stop.state === 'requested'}
          >
            <Icon name="stop" />
            {run.stop.state === 'requested' ? 'Stopping…' : 'Stop'}
          </button>
        ) : null}
      </header>
      {run.stop.state === 'failed' ? (
        <p className="callout callout-warn" role="alert" data-testid="stop-error">
          <strong>Could not stop the run.</strong> {run.stop.message}
        </p>
      ) : null}
      {run.terminal?.phase === 'failed' && run.terminal.error ? (
        <p className="callout callout-error" role="alert">
          <strong>The run failed.</strong> {run.terminal.error.message}
        </p>
      ) : null}
      {run.terminal?.phase === 'cancelled' ? (
        <p className="callout" role="status">
          Stopped{run.terminal.reason && run.terminal.reason !== 'cancelled' ? `: ${run.terminal.reason}` : ''}. Completed stages are kept; nothing else will run.
        </p>
      ) : null}
      <ol className="stages" aria-live="polite" aria-relevant="text">
        {stageList(run).map((stage) => (
          <Stage key={stage.agent} stage={stage} tools={toolCalls(run, stage.agent)} now={now} />
        ))}
      </ol>
      {streams.length > 0 ? (
        <div className="stream" aria-live="polite" aria-label="Live output" data-testid="stream">
          {streams.map((s, i) => (
            <p key={`${s.agent}-${i}`}>
              <span className="stream-agent">{STAGE_LABEL[s.agent]}:</span> {s.text}
            </p>
          ))}
        </div>
      ) : null}
    </section>
  );
}

function Stage({ stage, tools, now }: { stage: StageView; tools: ToolCallView[]; now: number }) {
  const elapsed =
    stage.durationMs !== null ? stage.durationMs : stage.status === 'running' && stage.startedAt ? Math.max(0, now - Date.parse(stage.startedAt)) : null;
  const icon = stage.status === 'completed' ? 'check' : stage.status === 'failed' ? 'cross' : stage.status === 'skipped' ? 'skip' : 'dot';
  return (
    <li className={`stage stage-${stage.status}`} data-testid={`stage-${stage.agent}`} data-status={stage.status}>
      <span className="stage-icon">{stage.status === 'running' ? <span className="spinner" aria-hidden="true" /> : <Icon name={icon} />}</span>
      <span className="stage-name">
        {STAGE_LABEL[stage.agent]} <span className="stage-help">— {STAGE_HELP[stage.agent]}</span>
      </span>
      <span className="stage-status">
        {STATUS_TEXT[stage.status]}
        {elapsed !== null ? <span className="stage-time"> · {duration(elapsed)}</span> : null}
      </span>
      {stage.summary ? <span className="stage-summary">{stage.summary}</span> : null}
      {tools.length > 0 ? (
        <ul className="tool-calls" aria-label={`${STAGE_LABEL[stage.agent]} tool calls`}>
          {tools.map((t) => (
            <ToolCall key={t.callId} call={t} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** One tool call: its name, the one-line summary of what it returned, and how long it took. */
function ToolCall({ call }: { call: ToolCallView }) {
  const meta = call.status === 'running' ? `${TOOL_STATUS_TEXT.running}…` : `${call.status === 'failed' ? `${TOOL_STATUS_TEXT.failed} · ` : ''}${duration(call.durationMs)}`;
  return (
    <li className={`tool-call tool-${call.status}`} data-testid="tool-call" data-tool={call.tool} data-status={call.status}>
      <code className="tool-name">{call.tool}</code>
      {call.summary ? <span className="tool-summary">{call.summary}</span> : null}
      <span className="tool-meta">{meta}</span>
    </li>
  );
}
