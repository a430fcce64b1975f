import {
  NetraError,
  ValidationError,
  type ImportProgress,
  type ImportResult,
  type IngestRejection,
  type IngestResult,
  type IngestUsageBody,
  type SyntheticUsageBody,
  type SyntheticUsageResult,
  type UsageEventInput,
  type UsageSummary,
  type UsageSummaryQuery,
} from '@netra/contracts';
import type { Db } from '@netra/db';
import type { CatalogService } from './catalog.js';
import { UsageWriter, type UsageWriterOptions, type WriteResult } from './ingest.js';
import { csvRecords, CsvHeaderError, jsonLines, validateEvent, type RawRecord } from './parse.js';
import { summarize } from './summary.js';
import { syntheticEvents, syntheticWindow } from './synthetic.js';

/** Rejections listed in a result (the count is always complete). */
export const MAX_REPORTED_ERRORS = 100;
/**
 * Events per INSERT of an import: large enough to amortise the round trip and each batch's rollup upserts (a few
 * rows per day × workload whatever the batch size; measured on the JSONL import into 1M stored events: 1,000 →
 * 4,000 took PostgreSQL from ~26 to 16.8 µs of CPU per event), small enough that the batches held at once (two in
 * flight, ~1 MB of JSON each) stay a few MB.
 */
export const IMPORT_BATCH = 4_000;
/** Batches written concurrently by one import (on separate pooled connections). */
export const IMPORT_IN_FLIGHT = 2;
/** At most this many synthetic events per request (days × requestsPerDay, anomalies aside). */
export const MAX_SYNTHETIC_EVENTS = 1_000_000;

const DAY_MS = 86_400_000;

export type ImportFormat = 'jsonl' | 'csv';

export interface ImportOptions {
  format: ImportFormat;
  /** Called with the running counts after each stored batch, at most every `progressEveryMs`. */
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
  progressEveryMs?: number;
  batchSize?: number;
}

/** An import that stopped part-way (the database failed): batches stored before it stay stored. */
export class ImportFailedError extends NetraError {
  constructor(cause: unknown, progress: ImportProgress) {
    super('unavailable', 'The import stopped: the database did not accept a batch. Events before it are stored; send the file again (ids are deduplicated).', {
      cause,
      details: { progress },
      retryAfterMs: 1_000,
    });
  }
}

class Tally {
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  readonly errors: IngestRejection[] = [];
  unpriced = new Set<string>();

  /** Counts a stored batch: what was inserted, and the rest as duplicates. */
  stored(sent: number, written: WriteResult): void {
    this.accepted += written.inserted;
    this.duplicates += sent - written.inserted;
    for (const m of written.unpricedModels) this.unpriced.add(m);
  }

  reject(rejection: IngestRejection): void {
    this.rejected += 1;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push(rejection);
  }

  result(): IngestResult {
    return {
      accepted: this.accepted,
      duplicates: this.duplicates,
      rejected: this.rejected,
      errors: this.errors,
      ...(this.unpriced.size > 0 ? { unpricedModels: [...this.unpriced].sort() } : {}),
    };
  }
}

/** Counts the bytes a stream yields, for progress and results. */
async function* counted(source: AsyncIterable<Buffer | string>, into: { bytes: number }): AsyncGenerator<Buffer | string> {
  for await (const chunk of source) {
    into.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    yield chunk;
  }
}

/**
 * Batches events into the writer: IMPORT_BATCH at a time, at most IMPORT_IN_FLIGHT batches being written at once.
 * `push` waits while all slots are busy, which is what holds a streaming source back (backpressure).
 */
class BatchPipeline {
  private batch: UsageEventInput[] = [];
  private readonly inFlight: Promise<void>[] = [];

  constructor(
    private readonly writer: UsageWriter,
    private readonly userId: string,
    private readonly tally: Tally,
    private readonly onFailure: (error: unknown) => Error,
    private readonly afterBatch: () => Promise<void> = async () => undefined,
    private readonly batchSize = IMPORT_BATCH,
  ) {}

  async push(event: UsageEventInput): Promise<void> {
    this.batch.push(event);
    if (this.batch.length >= this.batchSize) await this.submit();
  }

  /** Writes what is left and waits for every batch; throws the first failure (via `onFailure`). */
  async finish(): Promise<void> {
    if (this.batch.length > 0) await this.submit();
    await this.settle(0);
  }

  /** Waits for the batches in flight, ignoring their outcome (the caller is failing already). */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.inFlight);
  }

  private async settle(slots: number): Promise<void> {
    try {
      while (this.inFlight.length > slots) await this.inFlight.shift();
    } catch (error) {
      throw this.onFailure(error);
    }
  }

  private async submit(): Promise<void> {
    const events = this.batch;
    this.batch = [];
    await this.settle(IMPORT_IN_FLIGHT - 1);
    const write = this.writer.write(this.userId, events).then(async (written) => {
      this.tally.stored(events.length, written);
      await this.afterBatch();
    });
    // Observed by settle(); keeps an early failure from being reported as "unhandled" meanwhile.
    write.catch(() => undefined);
    this.inFlight.push(write);
  }
}

/**
 * Usage data of a workspace: batch and streaming ingestion, the synthetic demo workload, and summaries. Knows
 * nothing of HTTP: the gateway hands it parsed bodies and byte streams.
 */
export class UsageService {
  readonly writer: UsageWriter;

  constructor(
    private readonly db: Db,
    catalog: CatalogService,
    options: UsageWriterOptions = {},
  ) {
    this.writer = new UsageWriter(db, catalog, options);
  }

  /** `POST /usage-events`: each event validated on its own; the valid ones are stored in one batch. */
  async ingest(userId: string, body: IngestUsageBody): Promise<IngestResult> {
    const tally = new Tally();
    const valid: UsageEventInput[] = [];
    for (const [index, value] of body.events.entries()) {
      const checked = validateEvent(value);
      if (checked.ok) valid.push(checked.event);
      else tally.reject({ index, ...checked.rejection });
    }
    tally.stored(valid.length, await this.writer.write(userId, valid));
    return tally.result();
  }

  /**
   * Streams a JSONL or CSV body into the database in constant memory: records are parsed as bytes arrive,
   * stored IMPORT_BATCH at a time, with at most IMPORT_IN_FLIGHT batches being written while the next is parsed
   * (the source is not read further until then). Bad records are reported by line number; good ones are kept.
   * Batches are committed as they go: if the import stops part-way, what was stored stays, and sending the
   * file again stores only the rest (ids are deduplicated).
   */
  async import(userId: string, source: AsyncIterable<Buffer | string>, options: ImportOptions): Promise<ImportResult> {
    const started = performance.now();
    const size = { bytes: 0 };
    const tally = new Tally();
    const progressEveryMs = options.progressEveryMs ?? 500;
    let lines = 0;
    let lastProgress = 0;
    const progress = (): ImportProgress => ({
      type: 'progress',
      lines,
      accepted: tally.accepted,
      duplicates: tally.duplicates,
      rejected: tally.rejected,
      bytes: size.bytes,
    });
    const pipeline = new BatchPipeline(
      this.writer,
      userId,
      tally,
      (error) => new ImportFailedError(error, progress()),
      async () => {
        if (options.onProgress && performance.now() - lastProgress >= progressEveryMs) {
          lastProgress = performance.now();
          await options.onProgress(progress());
        }
      },
      options.batchSize,
    );

    const records: AsyncIterable<RawRecord> = options.format === 'csv' ? csvRecords(counted(source, size)) : jsonLines(counted(source, size));
    try {
      for await (const record of records) {
        lines = Math.max(lines, record.line);
        if ('error' in record) {
          tally.reject({ line: record.line, message: record.error });
          continue;
        }
        const checked = validateEvent(record.value);
        if (!checked.ok) {
          tally.reject({ line: record.line, ...checked.rejection });
          continue;
        }
        // Reading stops here while every write slot is busy: the client is held back by TCP flow control.
        await pipeline.push(checked.event);
      }
    } catch (error) {
      await pipeline.abandon();
      if (error instanceof CsvHeaderError) throw new ValidationError(error.message, [{ path: ['header'], code: 'custom', message: error.message }]);
      throw error;
    }
    await pipeline.finish();
    return {
      ...tally.result(),
      format: options.format,
      lines,
      bytes: size.bytes,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** `POST /usage-events/synthetic`: the demo workload, generated and stored batch by batch. */
  async synthetic(userId: string, body: SyntheticUsageBody, now = new Date()): Promise<SyntheticUsageResult> {
    if (body.days * body.requestsPerDay > MAX_SYNTHETIC_EVENTS) {
      throw new ValidationError(`days × requestsPerDay must be at most ${MAX_SYNTHETIC_EVENTS.toLocaleString('en-US')}`, [
        { path: ['requestsPerDay'], code: 'too_big', message: `days × requestsPerDay > ${MAX_SYNTHETIC_EVENTS}` },
      ]);
    }
    const tally = new Tally();
    let generated = 0;
    const options = { ...body, now };
    const pipeline = new BatchPipeline(this.writer, userId, tally, (error) => (error instanceof Error ? error : new Error(String(error))));
    try {
      for (const event of syntheticEvents(options)) {
        generated += 1;
        await pipeline.push(event);
      }
    } catch (error) {
      await pipeline.abandon();
      throw error;
    }
    await pipeline.finish();
    return { ...tally.result(), generated, window: syntheticWindow(options) };
  }

  /** `GET /usage/summary`: defaults to the 30 days before now. */
  async summary(userId: string, query: UsageSummaryQuery, now = new Date()): Promise<UsageSummary> {
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from.getTime() > to.getTime()) {
      throw new ValidationError('from must not be after to', [{ path: ['from'], code: 'custom', message: 'from > to' }]);
    }
    return summarize(this.db, userId, { from, to });
  }
}
