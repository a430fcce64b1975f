import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { ImportStreamLine, type ImportResult } from '@netra/contracts';
import { tokenFor } from '../support/clients.js';
import { Stack } from '../support/stack.js';

let stack: Stack;
let dir: string;

beforeAll(async () => {
  // A small heap: a gateway whose memory grew with the upload would run out of it and crash mid-import (and
  // V8 collects promptly instead of growing the heap lazily, so RSS reflects what is really held).
  stack = await Stack.start('importlarge', { workers: 0, env: { NODE_OPTIONS: '--max-old-space-size=128' } });
  dir = await mkdtemp(path.join(tmpdir(), 'netra-import-'));
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TARGET_BYTES = 100 * 1024 * 1024;
const BAD_LINES = new Set([7, 150_001, 300_000]);

/** Writes ~100 MB of JSONL (padded metadata keeps lines realistic), with a few broken lines at known numbers. */
async function writeFile(file: string): Promise<{ lines: number; bytes: number }> {
  const out = createWriteStream(file);
  const base = Date.parse('2026-10-01T00:00:00.000Z');
  const pad = 'x'.repeat(60);
  let bytes = 0;
  let line = 0;
  while (bytes < TARGET_BYTES) {
    line += 1;
    const text = BAD_LINES.has(line)
      ? `{"id": "broken-${line}", "timestamp": `
      : JSON.stringify({
          id: `big-${line}`,
          timestamp: new Date(base + line * 1_000).toISOString(),
          app: ['chat', 'rag', 'agents', 'batch'][line % 4],
          model: ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5'][line % 3],
          promptTokens: 500 + (line % 1_000),
          completionTokens: 100 + (line % 300),
          latencyMs: 300 + (line % 5_000),
          status: line % 50 === 0 ? 'error' : 'ok',
          promptHash: (line % 10_000).toString(16).padStart(64, '0'),
          metadata: { note: pad },
        });
    const chunk = `${text}\n`;
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { lines: line, bytes };
}

function rssKb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0));
}

describe('streaming import of a 100 MB JSONL file', () => {
  it('imports in constant memory, keeps good lines and reports bad ones by number', async () => {
    const file = path.join(dir, 'usage.jsonl');
    const written = await writeFile(file);
    expect((await stat(file)).size).toBeGreaterThanOrEqual(TARGET_BYTES);

    const pid = stack.gateway.process.pid;
    const baseline = await rssKb(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      void rssKb(pid).then((kb) => {
        peak = Math.max(peak, kb);
      });
    }, 50);

    const token = await tokenFor('bulk');
    const lines: ImportStreamLine[] = [];
    // The RSS peak once a third of the file is in, and at the end: constant memory means no further growth.
    let peakAtThird: number | undefined;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${stack.gateway.url}/api/v1/usage-events/import`,
        { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', accept: 'application/x-ndjson' } },
        (res) => {
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) !== -1) {
              const line = ImportStreamLine.parse(JSON.parse(buffered.slice(0, nl)));
              lines.push(line);
              if (line.type === 'progress' && peakAtThird === undefined && line.bytes > written.bytes / 3) peakAtThird = peak;
              buffered = buffered.slice(nl + 1);
            }
          });
          res.on('end', () => resolve());
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      createReadStream(file).pipe(req);
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);

    const result = lines[lines.length - 1];
    expect(result?.type).toBe('result');
    const r = result as ImportResult & { type: 'result' };
    const good = written.lines - BAD_LINES.size;
    expect(r).toMatchObject({ format: 'jsonl', lines: written.lines, bytes: written.bytes, accepted: good, duplicates: 0, rejected: BAD_LINES.size });
    expect(r.errors.map((e) => e.line)).toEqual([...BAD_LINES]);
    // Progress lines came while the upload was still going, with growing counts.
    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress.length).toBeGreaterThan(2);
    const owner = await stack.db.user.findUniqueOrThrow({ where: { subject: 'bulk' } });
    expect(await stack.db.usageEvent.count({ where: { userId: owner.id } })).toBe(good);

    // Memory did not grow with the file: after the first third, the gateway's RSS peak barely moved while the
    // remaining ~70 MB streamed through; overall it stayed well under the file's size.
    const growthMb = (peak - baseline) / 1024;
    const lateGrowthMb = (peak - (peakAtThird ?? baseline)) / 1024;
    process.stdout.write(
      `import: ${written.lines} lines, ${(written.bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s (${Math.round(good / seconds)} events/s); gateway RSS +${growthMb.toFixed(0)} MB (+${lateGrowthMb.toFixed(0)} MB after the first third)\n`,
    );
    expect(peakAtThird).toBeDefined();
    expect(lateGrowthMb).toBeLessThan(25);
    expect(growthMb).toBeLessThan(100);
  });
});
