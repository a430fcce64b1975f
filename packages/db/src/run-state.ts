import type { RunStatus } from '@netra/contracts';

/**
 * The run state machine. A terminal state never changes again: that is what makes "exactly one final state"
 * hold when a crashed worker's job is retried, or a cancel races a completion.
 * `running → running` is a retry after a crash (another attempt of the same run).
 */
const NEXT: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['running', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return NEXT[from].includes(to);
}

export function isTerminal(status: RunStatus): boolean {
  return NEXT[status].length === 0;
}

/** The states a run may be in for a transition to `to` to be allowed (for conditional UPDATEs). */
export function allowedSources(to: RunStatus): RunStatus[] {
  return (Object.keys(NEXT) as RunStatus[]).filter((from) => NEXT[from].includes(to));
}
