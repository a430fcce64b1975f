import type { Problem } from '../state/problem';
import { retryCountdown } from '../state/problem';
import { useNow } from './context';

/** A problem as a sentence, with a live "try again in N s" when the server gave a retry time. */
export function ProblemText({ problem }: { problem: Problem }) {
  const wall = Date.now();
  const tick = useNow(retryCountdown(problem, 0, wall).running);
  const { hint } = retryCountdown(problem, tick, wall);
  return (
    <span className="problem-text">
      <strong>{problem.title}.</strong> {problem.message}
      {hint ? ` ${hint}` : ''}
    </span>
  );
}

/** A problem as an alert next to what failed: `field` under a form field or control, `callout` for a section. */
export function Alert({ problem, kind = 'field' }: { problem: Problem | null | undefined; kind?: 'field' | 'callout' }) {
  if (!problem) return null;
  return (
    <p className={kind === 'field' ? 'field-error' : 'callout callout-warn'} role="alert">
      <ProblemText problem={problem} />
    </p>
  );
}
