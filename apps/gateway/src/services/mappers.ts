import type { Message, Report, Run, RunStep, Thread } from '@netra/contracts';

/** Database rows → wire types. Reports and step outputs were validated when written. */

export function toThread(row: { id: string; title: string; archivedAt: Date | null; createdAt: Date; updatedAt: Date }): Thread {
  return {
    id: row.id,
    title: row.title,
    archived: row.archivedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toMessage(row: {
  id: string;
  threadId: string;
  role: 'user' | 'assistant';
  content: string;
  report: unknown;
  clientMessageId: string | null;
  runId: string | null;
  createdAt: Date;
  userRun: { id: string } | null;
}): Message {
  return {
    id: row.id,
    threadId: row.threadId,
    role: row.role,
    content: row.content,
    report: (row.report ?? null) as Report | null,
    clientMessageId: row.clientMessageId,
    runId: row.role === 'user' ? (row.userRun?.id ?? null) : row.runId,
    createdAt: row.createdAt.toISOString(),
  };
}

type StepError = { code: string; message: string };

export function toRun(row: {
  id: string;
  threadId: string;
  userMessageId: string;
  status: Run['status'];
  strategy: string;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: unknown;
  report: unknown;
  assistantMessage: { id: string } | null;
  steps: {
    agent: string;
    status: RunStep['status'];
    attempt: number;
    summary: string | null;
    output: unknown;
    error: unknown;
    startedAt: Date;
    finishedAt: Date | null;
    durationMs: number | null;
  }[];
}): Run {
  return {
    id: row.id,
    threadId: row.threadId,
    userMessageId: row.userMessageId,
    assistantMessageId: row.assistantMessage?.id ?? null,
    status: row.status,
    strategy: row.strategy as Run['strategy'],
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    error: (row.error ?? null) as StepError | null,
    report: (row.report ?? null) as Report | null,
    steps: row.steps.map((s) => ({
      agent: s.agent as RunStep['agent'],
      status: s.status,
      attempt: s.attempt,
      summary: s.summary,
      output: s.output ?? null,
      error: (s.error ?? null) as StepError | null,
      startedAt: s.startedAt.toISOString(),
      finishedAt: s.finishedAt?.toISOString() ?? null,
      durationMs: s.durationMs,
    })),
  };
}
