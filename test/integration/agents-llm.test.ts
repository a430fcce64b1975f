import { Report, type Thread } from '@netra/contracts';
import { PIPELINE, type TriageOutput } from '@netra/agents';
import { FakeLlmServer } from '../support/fake-llm.js';
import { Stack, waitForRunStatus } from '../support/stack.js';

let stack: Stack;
let server: FakeLlmServer;
let failPreferred = false;
/** What the model answers when the data agent asks which tools to run. */
let plan: { name: string; arguments: string }[] = [
  { name: 'latency_decomposition', arguments: '{}' },
  { name: 'forecast_spend', arguments: '{"horizonDays": 14}' },
];

const SUMMARY = 'Your spend is concentrated on one model. Routing it saves money; caching helps too.';

beforeAll(async () => {
  server = new FakeLlmServer();
  const baseURL = await server.start();
  server.script = (model, _n, request) => {
    if (failPreferred && model === 'fake-a') return { kind: 'status', status: 500 };
    const system = request.messages[0]?.content ?? '';
    if (request.tools.length > 0) return { kind: 'tools', calls: plan };
    if (system.includes('You classify requests')) {
      return { kind: 'ok', content: '```json\n{"intent": "latency_optimization", "days": 14, "models": ["gpt-4o"], "metrics": ["latency"], "constraints": {"maxLatencyMs": 2000}, "growthPct": null,}\n```' };
    }
    return { kind: 'ok', content: SUMMARY, usage: { prompt: 900, completion: 40 } };
  };
  stack = await Stack.start('agentsllm', {
    env: {
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: baseURL,
      LLM_API_KEY: 'test-key',
      LLM_MODELS: 'fake-a,fake-b',
      LLM_MAX_RETRIES: '1',
      LLM_TIMEOUT_MS: '2000',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

describe('the worker with an OpenAI-compatible provider', () => {
  it('triages with the model, streams the summary as agent_token events, and records its own usage', async () => {
    const api = await stack.api('llm-user');
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const client = await stack.ws('llm-user');
    client.send({ type: 'user_message', threadId: thread.id, text: 'why are we slow?', clientMessageId: 'q1' });
    const accepted = await client.next((f) => f.type === 'message_accepted');
    if (accepted.type !== 'message_accepted') throw new Error('unreachable');
    const done = await client.next((f) => f.type === 'agent_completed' && f.runId === accepted.runId);
    if (done.type !== 'agent_completed') throw new Error('unreachable');

    const report = Report.parse(done.report);
    expect(report.summary).toBe(SUMMARY);
    expect(report.generatedBy).toEqual({ provider: 'openai', model: 'fake-a', fallback: false });
    // The model's triage was repaired (fence, trailing comma) and used.
    const triage = (await stack.db.runStep.findUniqueOrThrow({ where: { runId_agent: { runId: accepted.runId, agent: 'triage' } } })).output as TriageOutput;
    expect(triage).toMatchObject({ method: 'llm', intent: 'latency_optimization', constraints: { maxLatencyMs: 2000 } });
    expect(Date.parse(triage.window.to) - Date.parse(triage.window.from)).toBe(14 * 86_400_000);

    // The streamed summary reached the socket as throttled agent_token events, in order, before completion.
    const tokens = client.runEvents(accepted.runId).filter((e) => e.type === 'agent_token');
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.map((t) => (t.type === 'agent_token' ? t.delta : '')).join('')).toBe(SUMMARY);
    expect(server.requests.some((r) => r.stream)).toBe(true);

    // Netra's own calls become usage events of app "netra" in the user's workspace (batched by the recorder).
    const deadline = Date.now() + 10_000;
    let own: { model: string; prompt_tokens: number; status: string }[] = [];
    while (Date.now() < deadline) {
      own = await stack.db.$queryRaw`SELECT e.model, e.prompt_tokens, e.status::text AS status FROM usage_events e JOIN users u ON u.id = e.user_id
                                     WHERE u.subject = 'llm-user' AND e.app = 'netra' ORDER BY e.ts`;
      if (own.length >= 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Triage, the data plan and the summary: the agents that declare `callsModel` (the others are checkpointed
    // with the next write on that promise, docs/GUARANTEES.md §2).
    expect(PIPELINE.filter((a) => a.callsModel).map((a) => a.name)).toEqual(['triage', 'data', 'reporting']);
    expect(own.map((e) => [e.model, e.status])).toEqual([
      ['fake-a', 'ok'],
      ['fake-a', 'ok'],
      ['fake-a', 'ok'],
    ]);
    // As the fake server reports them: 11 (triage), 300 (the plan), 900 (the summary).
    expect(own.map((e) => e.prompt_tokens).sort((a, b) => a - b)).toEqual([11, 300, 900]);
  });

  it('plans the data tools by function calling: the model\'s calls run, validated; a bad plan falls back to the rules', async () => {
    const api = await stack.api('llm-planner');
    await api.post('/api/v1/usage-events/synthetic', { days: 20, requestsPerDay: 100, seed: 5 });
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const runTools = async (text: string) => {
      const posted = await api.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text });
      expect(await waitForRunStatus(stack.db, posted.body.runId)).toBe('completed');
      const events = await api.get<{ data: { type: string; agent?: string; tool?: string }[] }>(`/api/v1/runs/${posted.body.runId}/events`);
      const data = (await stack.db.runStep.findUniqueOrThrow({ where: { runId_agent: { runId: posted.body.runId, agent: 'data' } } })).output as { latency?: unknown[]; forecast?: { horizonDays: number } };
      return { tools: events.body.data.filter((e) => e.type === 'tool_call' && e.agent === 'data').map((e) => e.tool), data };
    };
    // The model asked for the latency decomposition and a 14-day forecast; the metrics always run.
    const chosen = await runTools('why are we slow this month?');
    expect(chosen.tools).toEqual(['usage_metrics', 'latency_decomposition', 'forecast_spend']);
    expect(chosen.data.forecast?.horizonDays).toBe(14);
    expect(chosen.data.latency?.length).toBeGreaterThan(0);
    // An unknown tool (or arguments its schema refuses) is not run: the rules' plan for the intent is.
    plan = [{ name: 'drop_all_tables', arguments: '{}' }];
    const refused = await runTools('why are we slow? (again)');
    expect(refused.tools).toEqual(['usage_metrics', 'cache_opportunity', 'latency_decomposition']);
    plan = [{ name: 'forecast_spend', arguments: '{"horizonDays": 10000}' }];
    const badArgs = await runTools('why are we slow? (third time)');
    expect(badArgs.tools).toEqual(['usage_metrics', 'cache_opportunity', 'latency_decomposition']);
  });

  it('falls back to the next model when the preferred one fails, and says so in the report', async () => {
    failPreferred = true;
    const api = await stack.api('llm-user2');
    const thread = (await api.post<Thread>('/api/v1/threads', {})).body;
    const posted = await api.post<{ runId: string }>(`/api/v1/threads/${thread.id}/messages`, { text: 'how much do we spend?' });
    expect(await waitForRunStatus(stack.db, posted.body.runId)).toBe('completed');
    const run = await api.get<{ report: unknown }>(`/api/v1/runs/${posted.body.runId}`);
    const report = Report.parse(run.body.report);
    expect(report.generatedBy).toEqual({ provider: 'openai', model: 'fake-b', fallback: true });
    expect(server.count('fake-a')).toBeGreaterThanOrEqual(2);
  });
});
