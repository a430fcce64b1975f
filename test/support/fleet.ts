import type { MessageAccepted, Thread } from '@netra/contracts';
import { Api, tokenFor, WsClient } from './clients.js';
import type { Stack } from './stack.js';

export interface FleetClient {
  subject: string;
  client: WsClient;
  api: Api;
  thread: Thread;
  accepted: MessageAccepted[];
}

export interface FleetOptions {
  clients: number;
  messagesPerClient: number;
  /** Per-client subject prefix, so several fleets can share a stack. */
  prefix: string;
}

/**
 * Many real users at once: each connects to a gateway (round-robin over the stack's gateways), creates its own
 * thread and sends its messages without waiting for answers.
 */
export async function startFleet(stack: Stack, options: FleetOptions): Promise<FleetClient[]> {
  const clients = await Promise.all(
    Array.from({ length: options.clients }, async (_, i) => {
      const subject = `${options.prefix}-${i}`;
      const gateway = stack.gateways[i % stack.gateways.length]!;
      const token = await tokenFor(subject);
      const api = new Api(gateway.url, token);
      const thread = (await api.post<Thread>('/api/v1/threads', { title: `fleet ${i}` })).body;
      const client = stack.track(await WsClient.as(gateway.wsUrl, token));
      return { subject, client, api, thread, accepted: [] as MessageAccepted[] };
    }),
  );
  await Promise.all(
    clients.map(async (c) => {
      for (let m = 0; m < options.messagesPerClient; m += 1) {
        c.client.send({ type: 'user_message', threadId: c.thread.id, text: `Where can we save? (${m})`, clientMessageId: `${c.subject}-${m}` });
      }
      for (let m = 0; m < options.messagesPerClient; m += 1) {
        const frame = await c.client.next((f) => (f.type === 'message_accepted' || f.type === 'error') && f.clientMessageId === `${c.subject}-${m}`);
        if (frame.type !== 'message_accepted') throw new Error(`message ${m} of ${c.subject} not accepted: ${JSON.stringify(frame)}`);
        c.accepted.push(frame);
      }
    }),
  );
  return clients;
}

const TERMINAL = new Set(['agent_completed', 'agent_failed', 'agent_stopped']);

/** Waits until every accepted run of every client reached its terminal event on the client's socket. */
export async function waitForFleet(clients: FleetClient[], timeoutMs: number): Promise<void> {
  await Promise.all(
    clients.flatMap((c) => c.accepted.map((a) => c.client.next((f) => TERMINAL.has(f.type) && 'runId' in f && f.runId === a.runId, timeoutMs))),
  );
}

/**
 * The guarantees, checked against Postgres and the event log: one terminal state and at most one assistant
 * message per run, runs of a thread executed one at a time in acceptance order, and every event of every run
 * received exactly once and in order by the client that sent it.
 */
export async function verifyFleet(stack: Stack, clients: FleetClient[]): Promise<{ runs: number; resumed: number; completed: number }> {
  const runIds = clients.flatMap((c) => c.accepted.map((a) => a.runId));
  const runs = await stack.db.run.findMany({
    where: { id: { in: runIds } },
    include: { assistantMessage: { select: { id: true } }, steps: { select: { agent: true, attempt: true, status: true } } },
    orderBy: { seq: 'asc' },
  });
  if (runs.length !== runIds.length) throw new Error(`expected ${runIds.length} runs, found ${runs.length}`);
  const problems: string[] = [];
  for (const run of runs) {
    if (!['completed', 'failed', 'cancelled'].includes(run.status)) problems.push(`run ${run.id} ended ${run.status}`);
    if (run.status === 'completed' && !run.assistantMessage) problems.push(`run ${run.id} completed without an answer`);
    if (run.status !== 'completed' && run.assistantMessage) problems.push(`run ${run.id} is ${run.status} but has an answer`);
  }
  const assistantCount = await stack.db.message.count({ where: { runId: { in: runIds }, role: 'assistant' } });
  const completed = runs.filter((r) => r.status === 'completed').length;
  if (assistantCount !== completed) problems.push(`${assistantCount} assistant messages for ${completed} completed runs`);

  for (const c of clients) {
    const own = runs.filter((r) => r.threadId === c.thread.id);
    if (own.map((r) => r.id).join() !== c.accepted.map((a) => a.runId).join()) problems.push(`${c.subject}: runs not in acceptance order`);
    for (let i = 1; i < own.length; i += 1) {
      const prev = own[i - 1]!;
      const cur = own[i]!;
      if (cur.startedAt && prev.finishedAt && cur.startedAt < prev.finishedAt) {
        const show = (r: typeof cur) => `${r.id.slice(0, 8)} ${r.status} attempts=${r.attempts} ${r.startedAt?.toISOString()}..${r.finishedAt?.toISOString()}`;
        problems.push(`${c.subject}: run ${i} started before run ${i - 1} ended: [${show(prev)}] [${show(cur)}]`);
      }
    }
    for (const a of c.accepted) {
      const log = await c.api.get<{ data: { eventId: string; type: string }[] }>(`/api/v1/runs/${a.runId}/events`);
      const expected = log.body.data.map((e) => e.eventId);
      const received = c.client.runEvents(a.runId).map((e) => e.eventId);
      if (received.join() !== expected.join()) {
        const frames = c.client.runEvents(a.runId);
        const extra = frames.filter((f) => !expected.includes(f.eventId)).map((f) => `${f.eventId}:${f.type}${'agent' in f ? `:${f.agent}:${'status' in f ? f.status : ''}` : ''}`);
        const missing = log.body.data.filter((e) => !received.includes(e.eventId)).map((e) => `${e.eventId}:${e.type}`);
        const twice = received.filter((id, i) => received.indexOf(id) !== i);
        problems.push(
          `${c.subject} run ${a.runId}: received ${received.length} events ≠ log ${expected.length}; extra [${extra.join(' ')}] missing [${missing.join(' ')}] twice [${twice.join(' ')}] order ok: ${[...received].sort().join() === received.join()}`,
        );
      }
      const last = log.body.data[log.body.data.length - 1];
      if (!last || !TERMINAL.has(last.type)) problems.push(`run ${a.runId}: last logged event is ${last?.type}`);
    }
  }
  if (problems.length > 0) throw new Error(`${problems.length} guarantee violations:\n${problems.slice(0, 20).join('\n')}`);
  const resumed = runs.filter((r) => r.attempts > 1).length;
  return { runs: runs.length, resumed, completed };
}
