import { formatPretty } from '@netra/observability';

describe('pretty log lines', () => {
  it('put time, level, service and message first, then the fields as key=value, without colour off a terminal', () => {
    const line = formatPretty(
      { level: 'warn', message: 'queue is deep', timestamp: '2026-12-03T13:45:01.123Z', service: 'gateway', pid: 42, depth: 120, queue: 'agent-runs', note: 'two words' },
      false,
    );
    expect(line).toBe('13:45:01.123  WARN   gateway  queue is deep  depth=120 queue=agent-runs note="two words"');
  });

  it('colour the level on a terminal and print an error stack below the line', () => {
    const line = formatPretty(
      { level: 'error', message: 'start failed', timestamp: '2026-12-03T13:45:01.123Z', service: 'launcher', error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x' } },
      true,
    );
    expect(line).toContain('\x1b[31mERROR\x1b[0m');
    expect(line.split('\n')[0]).toContain('error={"name":"Error","message":"boom"}');
    expect(line).toContain('Error: boom\n    at x');
  });
});
