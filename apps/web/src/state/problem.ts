import type { ErrorCode } from '@netra/contracts';

/**
 * A failure as the UI shows it: a sentence a person can act on, never raw JSON. Built from WS `error` frames,
 * HTTP error bodies and network failures alike.
 */
export interface Problem {
  code: ErrorCode | 'network' | 'protocol';
  /** Short headline, e.g. "Too many requests". */
  title: string;
  /** The server's own explanation (already written for people) or ours. */
  message: string;
  /** Epoch ms after which retrying makes sense (rate_limited / overloaded), else null. */
  retryAt: number | null;
}

const TITLES: Record<Problem['code'], string> = {
  invalid_message: 'That request was not valid',
  unauthorized: 'You are signed out',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Too large',
  unsupported_media_type: 'Unsupported file type',
  rate_limited: 'Too many requests',
  overloaded: 'Netra is at capacity',
  thread_busy: 'This conversation is busy',
  unavailable: 'Service unavailable',
  internal: 'Something went wrong on the server',
  network: 'Cannot reach Netra',
  protocol: 'Unexpected answer from the server',
};

/** Whether the device says it has a network at all (`navigator.onLine`); true where there is no navigator. */
function deviceOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

export function problem(
  code: Problem['code'],
  message: string | undefined,
  options: { retryAfterMs?: number | undefined; now?: number; online?: boolean } = {},
): Problem {
  const retryAt = options.retryAfterMs === undefined ? null : (options.now ?? Date.now()) + options.retryAfterMs;
  if (code === 'network' && message === undefined) {
    // Worded by what failed: this device has no network, or the network is there and the server did not answer.
    return (options.online ?? deviceOnline())
      ? { code, title: 'Server unreachable', message: 'The Netra server did not answer: it may be stopped or restarting. Try again in a moment.', retryAt }
      : { code, title: 'You are offline', message: 'This device has no network connection. Netra will carry on when it is back.', retryAt };
  }
  return { code, title: TITLES[code], message: humanMessage(code, message), retryAt };
}

function humanMessage(code: Problem['code'], message: string | undefined): string {
  const text = message?.trim();
  if (code === 'internal') return 'The server hit an unexpected error. Try again; if it persists, tell your operator.';
  if (code === 'thread_busy') return 'It is still answering your previous message. Wait for it to finish or stop it.';
  if (text && !looksLikeJson(text)) return text;
  switch (code) {
    case 'rate_limited':
      return 'You are sending requests too fast.';
    case 'overloaded':
      return 'Too much work is queued right now.';
    case 'network':
      return 'The connection to the server failed.';
    default:
      return 'The server refused the request.';
  }
}

function looksLikeJson(text: string): boolean {
  return (text.startsWith('{') && text.endsWith('}')) || (text.startsWith('[') && text.endsWith(']'));
}

/** "Try again in 12 s" while the wait is running, "You can try again now." once it is over. */
export function retryHint(p: Problem, now: number): string {
  if (p.retryAt === null) return '';
  const seconds = Math.ceil((p.retryAt - now) / 1000);
  return seconds > 0 ? `Try again in ${seconds} s.` : 'You can try again now.';
}

/**
 * A live countdown: whether its clock must keep ticking, and what it says. `tick` is the clock's last reading,
 * `wall` the time of this render. Both decide from the later of the two: the render that stops the clock must
 * be the one that says "now", even when the last tick came just before the deadline and the render just after.
 */
export function retryCountdown(p: Problem, tick: number, wall: number): { running: boolean; hint: string } {
  const now = Math.max(tick, wall);
  return { running: p.retryAt !== null && p.retryAt > now, hint: retryHint(p, now) };
}
