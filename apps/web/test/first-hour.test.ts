import { latencyColumns } from '../src/state/format';
import { problem } from '../src/state/problem';

describe('a failed request, worded by what failed', () => {
  it('says "server unreachable" when the device is online and the server did not answer', () => {
    const p = problem('network', undefined, { online: true });
    expect(p.title).toBe('Server unreachable');
    expect(p.message).toMatch(/server did not answer/);
    expect(p.message).not.toMatch(/network/i);
  });

  it('says "offline" when the device has no network', () => {
    const p = problem('network', undefined, { online: false });
    expect(p.title).toBe('You are offline');
    expect(p.message).toMatch(/no network connection/);
  });

  it('keeps a message the caller gave', () => {
    expect(problem('network', 'The connection to the server was lost; reconnecting.').message).toBe('The connection to the server was lost; reconnecting.');
  });
});

describe('latency columns', () => {
  it('use seconds for every row when one reaches a second, whole milliseconds otherwise', () => {
    const mixed = latencyColumns([4_184, 16_600, 300]);
    expect(mixed.unit).toBe('s');
    expect([4_184, 16_600, 300].map(mixed.format)).toEqual(['4.18', '16.60', '0.30']);
    const fast = latencyColumns([300.908, 999.4, null]);
    expect(fast.unit).toBe('ms');
    expect([300.908, 999.4, null].map(fast.format)).toEqual(['301', '999', '—']);
  });
});
