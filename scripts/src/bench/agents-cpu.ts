#!/usr/bin/env node
/**
 * `npm run bench:agents`: the five agents in this process over a workspace of BENCH_AGENTS_EVENTS synthetic events
 * (default 60,000), with the `local` provider and no queue or socket — this process's CPU time per agent and per
 * tool call, averaged over BENCH_AGENTS_RUNS runs. Where bench:cost says a run costs more with data, this says which
 * agent spends it. (CPU time of this process only: PostgreSQL's share is in bench:cost.)
 */
import { randomUUID } from 'node:crypto';
import { PIPELINE, type AgentContext, type AgentOutputs } from '@netra/agents';
import { loadConfig } from '@netra/config';
import { createLlmClient } from '@netra/llm';
import { CatalogService, UsageWriter, syntheticEvents } from '@netra/usage';
import { Scratch, runBenchmark } from './scratch.js';

const events = Number(process.env.BENCH_AGENTS_EVENTS ?? 60_000);
const runs = Number(process.env.BENCH_AGENTS_RUNS ?? 100);

async function main(): Promise<void> {
  const scratch = await Scratch.create();
  try {
    const { db } = scratch;
    const user = await db.user.create({ data: { subject: 'agents-bench' } });
    const catalog = new CatalogService(db);
    await catalog.seed();
    const writer = new UsageWriter(db, catalog);
    const now = new Date();
    const all = [...syntheticEvents({ days: 30, requestsPerDay: Math.ceil(events / 30), seed: 7, now })];
    for (let i = 0; i < all.length; i += 2_000) await writer.write(user.id, all.slice(i, i + 2_000));
    const llm = createLlmClient(loadConfig({ ...process.env, LLM_PROVIDER: 'local', LLM_LOCAL_DELAY_MS: '0' }).config);
    const perAgent = new Map<string, number>();
    const run = async () => {
      const ctx: AgentContext = { runId: randomUUID(), threadId: randomUUID(), userId: user.id, request: 'How can we cut our LLM cost?', previousReport: null, db, llm, signal: new AbortController().signal, now, outputs: {} };
      for (const agent of PIPELINE) {
        const c0 = process.cpuUsage();
        const result = await agent.run(ctx);
        agent.output.parse(result.output);
        JSON.stringify(result.output);
        const c = process.cpuUsage(c0);
        perAgent.set(agent.name, (perAgent.get(agent.name) ?? 0) + (c.user + c.system) / 1000);
        (ctx.outputs as Record<string, unknown>)[agent.name] = result.output as AgentOutputs[typeof agent.name];
      }
    };
    for (let i = 0; i < 10; i++) await run();
    perAgent.clear();
    for (let i = 0; i < runs; i++) await run();
    console.log(`agents in-process over ${all.length.toLocaleString('en-US')} events, Node CPU per run: ${[...perAgent].map(([a, ms]) => `${a} ${(ms / runs).toFixed(2)} ms`).join(', ')}`);
  } finally {
    await scratch.cleanup();
  }
}

runBenchmark(main);
