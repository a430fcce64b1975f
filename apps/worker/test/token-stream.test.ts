import { TokenStream } from '../src/token-stream.js';

describe('TokenStream', () => {
  it('coalesces small deltas and keeps their order across agents', async () => {
    const out: [string, string][] = [];
    const stream = new TokenStream(async (agent, delta) => {
      out.push([agent, delta]);
    }, { minIntervalMs: 1_000, minChars: 10 });
    stream.push('triage', 'ab');
    stream.push('triage', 'cd');
    stream.push('triage', 'efghijk');
    stream.push('reporting', 'xy');
    await stream.drain();
    // The first push flushes at once (nothing flushed yet), then ≥ 10 characters, then the agent change.
    expect(out).toEqual([
      ['triage', 'ab'],
      ['triage', 'cdefghijk'],
      ['reporting', 'xy'],
    ]);
  });

  it('flushes a lingering remainder after the interval without waiting for drain', async () => {
    const out: string[] = [];
    const stream = new TokenStream(async (_agent, delta) => {
      out.push(delta);
    }, { minIntervalMs: 30, minChars: 1_000 });
    stream.push('reporting', 'a');
    stream.push('reporting', 'b');
    await new Promise((r) => setTimeout(r, 80));
    expect(out.join('')).toBe('ab');
    await stream.drain();
  });
});
