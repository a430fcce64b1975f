import type { RunStatus } from '@netra/contracts';

/**
 * The run state machine: the one table every change of a run's status is derived from. A terminal state never
 * changes again — that is what makes "exactly one final state" hold when a crashed worker's job is retried or a
 * cancel races a completion. `running → running` is another attempt of the same run (after a crash or hand-back).
 *
 * The engine turns each transition into a conditional UPDATE (`… WHERE status = ANY(sourcesOf(to))`), so adding
 * a status means editing this table and the enum, not eight files.
 */
export const TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['running', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(status: RunStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** The states a run may be in for a transition to `to` to be allowed (the guard of its conditional UPDATE). */
export function sourcesOf(to: RunStatus): RunStatus[] {
  return (Object.keys(TRANSITIONS) as RunStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}

/** The states of a run still in progress (holds its thread, may be cancelled). */
export const IN_PROGRESS: readonly RunStatus[] = (Object.keys(TRANSITIONS) as RunStatus[]).filter((s) => !isTerminal(s));
