import fc from 'fast-check';
import { RunStatus, TERMINAL_RUN_STATUSES } from '@netra/contracts';
import { canTransition, isTerminal, sourcesOf, IN_PROGRESS } from '@netra/runs';

const statuses = RunStatus.options;

describe('run state machine', () => {
  it('knows which states are terminal', () => {
    expect(statuses.filter(isTerminal)).toEqual([...TERMINAL_RUN_STATUSES]);
  });

  it('never leaves a terminal state, whatever sequence of transitions is attempted', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...statuses), { maxLength: 30 }), (attempts) => {
        let state: (typeof statuses)[number] = 'queued';
        let terminalReached: string | null = null;
        for (const next of attempts) {
          if (canTransition(state, next)) state = next;
          if (terminalReached !== null) expect(state).toBe(terminalReached);
          if (isTerminal(state)) terminalReached = state;
        }
      }),
    );
  });

  it('lists the sources a conditional update may match', () => {
    expect(sourcesOf('running').sort()).toEqual(['queued', 'running']);
    expect(sourcesOf('cancelled').sort()).toEqual(['queued', 'running']);
    expect(sourcesOf('queued')).toEqual([]);
  });
});

describe('runs in progress', () => {
  it('are exactly the states that are not terminal', () => {
    // The accept statement (engine.ts) and the partial index runs_queued_thread_id_seq_idx spell these out.
    expect([...IN_PROGRESS].sort()).toEqual(['queued', 'running']);
  });
});
