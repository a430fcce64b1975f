import { randomUUID } from 'node:crypto';
import type { UsageEventInput } from '@netra/contracts';
import type { LlmCallRecord, LlmClient } from '@netra/llm';
import { errorFields, logger, metrics } from '@netra/observability';
import { costOf, type CatalogService, type UsageWriter } from '@netra/usage';

export interface UsageRecorderOptions {
  /** Flush at least this often. Default 1 s. */
  flushMs?: number;
  /** …or as soon as this many calls are waiting. Default 500. */
  maxBuffered?: number;
  /** Calls kept while the database is unreachable; beyond this the oldest are dropped (and logged). */
  maxPending?: number;
}

/**
 * Records Netra's own LLM calls as usage events of app `netra` in the workspace they worked for, so Netra can
 * analyse (and optimise) itself. Listens to the client's `call` events and writes them in batches — never one
 * insert per call. Only real provider attempts are recorded: not the deterministic `local` provider, cache hits
 * or calls a breaker refused.
 */
export class UsageRecorder {
  private buffer: { workspace: string; event: UsageEventInput }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly log = logger.child({ component: 'usage-recorder' });
  private readonly listener = (call: LlmCallRecord) => this.onCall(call);

  constructor(
    private readonly llm: LlmClient,
    private readonly writer: UsageWriter,
    private readonly catalog: CatalogService,
    private readonly options: UsageRecorderOptions = {},
  ) {
    llm.on('call', this.listener);
  }

  private onCall(call: LlmCallRecord): void {
    if (call.provider === 'local' || call.outcome === 'cached' || call.outcome === 'breaker_open' || call.workspace === undefined) return;
    this.buffer.push({
      workspace: call.workspace,
      event: {
        id: `netra-${randomUUID()}`,
        timestamp: call.at.toISOString(),
        app: 'netra',
        model: call.model,
        provider: call.provider,
        promptTokens: call.usage.promptTokens,
        completionTokens: call.usage.completionTokens,
        latencyMs: Math.round(call.latencyMs),
        status: call.outcome === 'ok' ? 'ok' : 'error',
        metadata: { purpose: call.purpose, outcome: call.outcome },
      },
    });
    const maxPending = this.options.maxPending ?? 50_000;
    if (this.buffer.length > maxPending) {
      const dropped = this.buffer.length - maxPending;
      this.buffer.splice(0, dropped);
      this.log.warn('usage recorder backlog full; dropped the oldest calls', { dropped });
    }
    if (this.buffer.length >= (this.options.maxBuffered ?? 500)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 1_000);
  }

  /** Writes what is buffered; resolves when everything recorded so far is stored (or logged as failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.buffer;
    if (batch.length === 0) return;
    this.buffer = [];
    const byWorkspace = new Map<string, UsageEventInput[]>();
    for (const { workspace, event } of batch) {
      const list = byWorkspace.get(workspace) ?? [];
      list.push(event);
      byWorkspace.set(workspace, list);
    }
    try {
      const prices = await this.catalog.priceBook();
      for (const [workspace, events] of byWorkspace) {
        await this.writer.write(workspace, events);
        for (const e of events) {
          const price = prices.find(e.model);
          if (price && e.status === 'ok') metrics.llmCostUsd.inc({ provider: e.provider ?? 'unknown', model: e.model }, costOf(price, e.promptTokens, e.completionTokens));
        }
      }
    } catch (error) {
      // Keep them for the next flush: a database blip must not lose the records.
      this.buffer = [...batch, ...this.buffer];
      this.log.warn('could not record Netra\'s own LLM usage; will retry', { calls: batch.length, ...errorFields(error) });
      this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 1_000);
    }
  }

  async close(): Promise<void> {
    this.llm.off('call', this.listener);
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
