import { csvRecords, CsvHeaderError, jsonLines, MAX_RECORD_BYTES, validateEvent, type RawRecord } from '@netra/usage';

async function collect(source: AsyncGenerator<RawRecord>): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of source) out.push(r);
  return out;
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

const event = { id: 'a', timestamp: '2026-10-05T10:00:00Z', app: 'chat', model: 'gpt-4o', promptTokens: 1, completionTokens: 2, latencyMs: 3, status: 'ok' };

describe('jsonLines', () => {
  it('numbers lines across chunk boundaries, CRLF and blank lines, and a last line without newline', async () => {
    const text = `${JSON.stringify(event)}\r\n\n{"id":"b"}\n{bad json}\n{"id":"c"}`;
    // Split inside a line and inside a multi-byte character.
    const bytes = Buffer.from(text.replace('"b"', '"bé"'));
    const records = await collect(jsonLines(chunks(bytes.subarray(0, 10), bytes.subarray(10, 38), bytes.subarray(38))));
    expect(records.map((r) => r.line)).toEqual([1, 3, 4, 5]);
    expect(records[0]).toEqual({ line: 1, value: event });
    expect(records[1]).toEqual({ line: 3, value: { id: 'bé' } });
    expect('error' in records[2]! && records[2].error).toMatch(/not valid JSON/);
  });

  it('rejects an over-long line without holding it, and goes on with the next one', async () => {
    const long = `{"id":"${'x'.repeat(MAX_RECORD_BYTES)}"}`;
    const records = await collect(jsonLines(chunks(long.slice(0, 1000), long.slice(1000), '\n{"id":"next"}\n')));
    expect(records).toEqual([
      { line: 1, error: `line is longer than ${MAX_RECORD_BYTES} bytes` },
      { line: 2, value: { id: 'next' } },
    ]);
  });
});

describe('csvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers records by their first line', async () => {
    const csv = [
      'id,timestamp,app,model,prompt_tokens,completion_tokens,latency_ms,status,cost_usd,metadata,unknown_col',
      'a,2026-10-05T10:00:00Z,"chat, EU",gpt-4o,10,20,30,ok,0.5,"{""k"":1}",x',
      'b,2026-10-05T10:00:00Z,"two',
      'lines",gpt-4o,10,20,30,error,,,',
      'c,2026-10-05T10:00:00Z,chat,gpt-4o,10,20',
      '',
      'd,2026-10-05T10:00:00Z,chat,gpt-4o,1e3,20,30,ok,,,',
    ].join('\r\n');
    const records = await collect(csvRecords(chunks(csv.slice(0, 50), csv.slice(50, 130), csv.slice(130))));
    expect(records.map((r) => r.line)).toEqual([2, 3, 5, 7]);
    expect(records[0]).toEqual({
      line: 2,
      value: { id: 'a', timestamp: '2026-10-05T10:00:00Z', app: 'chat, EU', model: 'gpt-4o', promptTokens: 10, completionTokens: 20, latencyMs: 30, status: 'ok', costUsd: 0.5, metadata: { k: 1 } },
    });
    expect(records[1]).toMatchObject({ value: { app: 'two\r\nlines', status: 'error' } });
    expect(records[2]).toEqual({ line: 5, error: 'expected 11 columns, got 6' });
    expect(records[3]).toMatchObject({ value: { promptTokens: 1000 } });
  });

  it('rejects a header without the required columns', async () => {
    await expect(collect(csvRecords(chunks('id,app\n1,chat\n')))).rejects.toBeInstanceOf(CsvHeaderError);
  });
});

describe('validateEvent', () => {
  it('accepts a valid event and names the field at fault otherwise', () => {
    expect(validateEvent(event)).toEqual({ ok: true, event: { ...event, timestamp: '2026-10-05T10:00:00.000Z' } });
    const bad = validateEvent({ ...event, latencyMs: -1, promptHash: 'nothex' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.rejection.id).toBe('a');
    expect(bad.rejection.message).toMatch(/^latencyMs:/);
    expect(bad.rejection.issues?.map((i) => i.path[0])).toEqual(['latencyMs', 'promptHash']);
    expect(validateEvent(42)).toMatchObject({ ok: false });
  });
});
