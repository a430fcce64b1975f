#!/usr/bin/env node
/**
 * Writes `examples/usage.jsonl` and `examples/usage.csv`, the sample files the README's quick start imports:
 * November 2026 (30 whole UTC days) of the synthetic workload at ~10 calls a day, with one in-house model
 * (`acme-coder-7b`, served on the team's own GPUs, so not in the catalog: the import lists it as unpriced until an
 * admin prices it). Deterministic: running it again writes the same bytes. The CSV holds the same calls (same ids)
 * with the timestamps in the `YYYY-MM-DD HH:MM:SS` (UTC) form and snake_case columns, so importing both stores each
 * call once. Usage: `node scripts/dist/examples.js` after a build.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UsageEventInput } from '@netra/contracts';
import { syntheticEvents } from '@netra/usage';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The in-house model that replaces gpt-4o-mini in autocomplete: unpriced until an admin adds it. */
export const IN_HOUSE_MODEL = 'acme-coder-7b';
const TEAMS: Record<string, string> = { 'support-chat': 'support', 'docs-rag': 'docs', 'agent-tools': 'platform', 'nightly-batch': 'data', autocomplete: 'devex' };

function sample(): UsageEventInput[] {
  const events: UsageEventInput[] = [];
  for (const e of syntheticEvents({ days: 30, requestsPerDay: 10, seed: 7, now: new Date('2026-12-01T00:00:00Z') })) {
    const { synthetic: _synthetic, ...metadata } = e.metadata ?? {};
    events.push({
      ...e,
      id: e.id.replace(/^syn-7-/, 'ex-'),
      model: e.app === 'autocomplete' ? IN_HOUSE_MODEL : e.model,
      metadata: { ...metadata, team: TEAMS[e.app] ?? 'other' },
    });
  }
  return events;
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const events = sample();
writeFileSync(path.join(root, 'examples/usage.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const columns = ['id', 'timestamp', 'app', 'model', 'prompt_tokens', 'completion_tokens', 'latency_ms', 'ttft_ms', 'status', 'prompt_hash', 'metadata'] as const;
const rows = events.map((e) =>
  [e.id, e.timestamp.replace('T', ' ').replace(/\.\d{3}Z$/, ''), e.app, e.model, e.promptTokens, e.completionTokens, e.latencyMs, e.ttftMs, e.status, e.promptHash, e.metadata]
    .map(csvCell)
    .join(','),
);
writeFileSync(path.join(root, 'examples/usage.csv'), [columns.join(','), ...rows].join('\n') + '\n');
process.stdout.write(`wrote ${events.length} events to examples/usage.jsonl and examples/usage.csv\n`);
