#!/usr/bin/env node
/**
 * `node scripts/dist/bench/timestamps.js`: what accepting the common timestamp forms costs an import. Validates
 * 300,000 events (timestamps in `toISOString()` form, as most clients send) with the event schema as it is and
 * with the strict ISO-with-offset check it replaced, alternately, five rounds; prints the CPU time of each and the
 * difference per event (process CPU time, so other load on the machine matters less than it would for wall time).
 */
import { IsoDateTime, UsageEventInput } from '@netra/contracts';
import { runBenchmark } from './scratch.js';

const EVENTS = 300_000;
const ROUNDS = 5;

function cpuMs(schema: { safeParse: (value: unknown) => { success: boolean } }, events: readonly unknown[]): number {
  const started = process.cpuUsage();
  let ok = 0;
  for (const event of events) if (schema.safeParse(event).success) ok += 1;
  const used = process.cpuUsage(started);
  if (ok !== events.length) throw new Error(`only ${ok} of ${events.length} events were valid`);
  return (used.user + used.system) / 1000;
}

async function main(): Promise<void> {
  const base = { app: 'chat', model: 'gpt-4o', promptTokens: 900, completionTokens: 250, latencyMs: 1800, status: 'ok' };
  const events = Array.from({ length: EVENTS }, (_, i) => ({ ...base, id: `e${i}`, timestamp: new Date(1_763_719_500_000 + i * 1000).toISOString() }));
  const strict = UsageEventInput.safeExtend({ timestamp: IsoDateTime });
  const diffs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = cpuMs(strict, events);
    const now = cpuMs(UsageEventInput, events);
    diffs.push(((now - before) * 1000) / EVENTS);
    process.stdout.write(`round ${round + 1}: strict ISO ${before.toFixed(0)} ms CPU, common forms ${now.toFixed(0)} ms CPU (${(now / before).toFixed(2)}×)\n`);
  }
  const sorted = [...diffs].sort((a, b) => a - b);
  process.stdout.write(`median difference: ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2)} µs of CPU per event\n`);
}

runBenchmark(main);
