import type { Problem } from './problem';

/** What the connection badge shows. */
export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'waiting' | 'signed_out';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Failed attempts in a row (0 once open). */
  attempt: number;
  /** When the next attempt starts (status `waiting`), epoch ms. */
  retryAt: number | null;
  problem: Problem | null;
}

export type ConnectionAction =
  | { type: 'connecting' }
  | { type: 'open' }
  | { type: 'lost'; retryAt: number; problem: Problem | null }
  | { type: 'signed_out'; problem: Problem | null }
  | { type: 'idle' };

export const initialConnection: ConnectionState = { status: 'idle', attempt: 0, retryAt: null, problem: null };

export function connectionReducer(state: ConnectionState, action: ConnectionAction): ConnectionState {
  switch (action.type) {
    case 'connecting':
      return { ...state, status: 'connecting', retryAt: null };
    case 'open':
      return { status: 'open', attempt: 0, retryAt: null, problem: null };
    case 'lost':
      return { status: 'waiting', attempt: state.attempt + 1, retryAt: action.retryAt, problem: action.problem };
    case 'signed_out':
      return { status: 'signed_out', attempt: 0, retryAt: null, problem: action.problem };
    case 'idle':
      return initialConnection;
  }
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

/**
 * Delay before reconnect attempt `attempt` (1 = first retry): exponential from 500 ms up to 30 s, with "equal
 * jitter" (half fixed, half random) so that a gateway restart is not followed by every tab at the same instant.
 */
export function backoffDelay(attempt: number, random: number = Math.random()): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * Math.min(1, Math.max(0, random)));
}
