import { StringDecoder } from 'node:string_decoder';
import { UsageEventInput, type IngestRejection } from '@netra/contracts';

/** A record of an import body: its 1-based line number and either its fields or why it could not be read. */
export type RawRecord = { line: number; value: unknown } | { line: number; error: string };

export type Validated = { ok: true; event: UsageEventInput } | { ok: false; rejection: Omit<IngestRejection, 'index' | 'line'> };

/** Longest line (JSONL) or record (CSV) accepted: a larger one is rejected without being held in memory. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Validates one event against the contract; the reason names the fields at fault. */
export function validateEvent(value: unknown): Validated {
  const parsed = UsageEventInput.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issues = parsed.error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
  }));
  const first = issues[0];
  const id = value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
  return {
    ok: false,
    rejection: {
      ...(id === undefined ? {} : { id }),
      message: first ? `${first.path.join('.') || 'event'}: ${first.message}` : 'invalid event',
      issues,
    },
  };
}

/**
 * Splits a byte stream into JSON lines and parses each. Pulls one chunk at a time (so the producer is paused while
 * the consumer works) and keeps at most one partial line, capped at MAX_RECORD_BYTES. Blank lines are skipped.
 */
export async function* jsonLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<RawRecord> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = false;
  let line = 0;

  function* finish(bytes: Buffer): Generator<RawRecord> {
    line += 1;
    if (overflow) {
      overflow = false;
      yield { line, error: `line is longer than ${MAX_RECORD_BYTES} bytes` };
      return;
    }
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length === 0) return;
    try {
      yield { line, value: JSON.parse(text) as unknown };
    } catch (error) {
      yield { line, error: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const part = chunk.subarray(start, nl);
      const whole = pending.length === 0 ? part : Buffer.concat([...pending, part]);
      if (!overflow && pendingBytes + part.length > MAX_RECORD_BYTES) overflow = true;
      pending = [];
      pendingBytes = 0;
      yield* finish(whole);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (overflow || pendingBytes + rest.length > MAX_RECORD_BYTES) {
        // Too long: forget the bytes, remember only that this line must be rejected.
        overflow = true;
        pending = [];
        pendingBytes = 0;
      } else {
        // Copy: the source may reuse its buffer.
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
      }
    }
  }
  if (pending.length > 0 || overflow) yield* finish(Buffer.concat(pending));
}

/** CSV column names accepted for each event field (camelCase as in JSON, or snake_case). */
const CSV_FIELDS: Record<string, keyof UsageEventInput> = {};
for (const field of Object.keys(UsageEventInput.shape) as (keyof UsageEventInput)[]) {
  CSV_FIELDS[field.toLowerCase()] = field;
  CSV_FIELDS[field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = field;
}
CSV_FIELDS.ts = 'timestamp';

const NUMERIC = new Set<keyof UsageEventInput>(['promptTokens', 'completionTokens', 'latencyMs', 'ttftMs', 'costUsd', 'cachedPromptTokens', 'qualityScore']);

/** Turns a CSV row into the JSON shape of an event: empty cells are absent, numbers and metadata are parsed. */
function csvObject(header: (keyof UsageEventInput | undefined)[], cells: string[]): { value: unknown } | { error: string } {
  if (cells.length !== header.length) return { error: `expected ${header.length} columns, got ${cells.length}` };
  const out: Record<string, unknown> = {};
  for (const [i, field] of header.entries()) {
    const cell = cells[i] ?? '';
    if (field === undefined || cell === '') continue;
    if (NUMERIC.has(field)) {
      const n = Number(cell);
      out[field] = Number.isFinite(n) ? n : cell;
    } else if (field === 'metadata') {
      try {
        out[field] = JSON.parse(cell) as unknown;
      } catch {
        return { error: 'metadata is not valid JSON' };
      }
    } else {
      out[field] = cell;
    }
  }
  return { value: out };
}

/**
 * RFC 4180 CSV with a header row: quoted fields may hold commas, doubled quotes and line breaks. Streams like
 * `jsonLines`; a record's line number is the line it starts on (the header is line 1). Unknown columns are
 * ignored; a header without the required columns rejects the whole body.
 */
export async function* csvRecords(source: AsyncIterable<Buffer | string>): AsyncGenerator<RawRecord> {
  const decoder = new StringDecoder('utf8');
  let header: (keyof UsageEventInput | undefined)[] | undefined;
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let quoteSeen = false; // a quote inside a quoted field: either the closing quote or the first of a pair
  let line = 1;
  let recordLine = 1;
  let recordBytes = 0;
  let overflow = false;
  let touched = false;

  const takeRecord = function* (): Generator<RawRecord> {
    cells.push(cell);
    const row = cells;
    const at = recordLine;
    const tooLong = overflow;
    cells = [];
    cell = '';
    recordBytes = 0;
    overflow = false;
    touched = false;
    if (!header) {
      header = row.map((name) => CSV_FIELDS[name.trim().replace(/^\uFEFF/, '').toLowerCase()] ?? CSV_FIELDS[name.trim()]);
      const missing = ['id', 'timestamp', 'app', 'model', 'promptTokens', 'completionTokens', 'latencyMs', 'status'].filter(
        (f) => !header?.includes(f as keyof UsageEventInput),
      );
      if (missing.length > 0) throw new CsvHeaderError(missing);
      return;
    }
    if (tooLong) {
      yield { line: at, error: `record is longer than ${MAX_RECORD_BYTES} bytes` };
      return;
    }
    if (row.length === 1 && row[0] === '') return; // blank line
    const parsed = csvObject(header, row);
    yield 'error' in parsed ? { line: at, error: parsed.error } : { line: at, value: parsed.value };
  };

  const consume = function* (text: string): Generator<RawRecord> {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (!touched) {
        touched = true;
        recordLine = line;
      }
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (ch === '"') {
            cell += '"';
            continue;
          }
          quoted = false; // that quote closed the field; fall through to handle ch unquoted
        } else if (ch === '"') {
          quoteSeen = true;
          continue;
        } else {
          if (ch === '\n') line += 1;
          if (!overflow) cell += ch;
          if (++recordBytes > MAX_RECORD_BYTES) overflow = true;
          continue;
        }
      }
      if (ch === ',') {
        cells.push(overflow ? '' : cell);
        cell = '';
      } else if (ch === '\n') {
        if (cell.endsWith('\r')) cell = cell.slice(0, -1);
        yield* takeRecord();
        line += 1;
      } else if (ch === '"' && cell === '') {
        quoted = true;
      } else {
        if (!overflow) cell += ch;
        if (++recordBytes > MAX_RECORD_BYTES) {
          overflow = true;
          cell = '';
          cells = [];
        }
      }
    }
  };

  for await (const piece of source) {
    yield* consume(typeof piece === 'string' ? piece : decoder.write(piece));
  }
  yield* consume(decoder.end());
  if (quoteSeen) {
    quoteSeen = false;
    quoted = false;
  }
  if (touched || cells.length > 0 || cell !== '') {
    if (quoted) {
      yield { line: recordLine, error: 'unterminated quoted field' };
    } else {
      if (cell.endsWith('\r')) cell = cell.slice(0, -1);
      yield* takeRecord();
    }
  }
}

export class CsvHeaderError extends Error {
  constructor(readonly missing: string[]) {
    super(`CSV header lacks the column(s) ${missing.join(', ')}`);
    this.name = 'CsvHeaderError';
  }
}
