import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake server does with one request. */
export type Behaviour =
  | { kind: 'ok'; content: string; finishReason?: 'stop' | 'length'; usage?: { prompt: number; completion: number } }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' }
  /** Streams part of the answer, then drops the connection. */
  | { kind: 'cut'; content: string }
  /** Answers with function calls (non-streaming): `arguments` as the JSON text the model wrote. */
  | { kind: 'tools'; calls: { name: string; arguments: string }[] };

export interface SeenRequest {
  model: string;
  stream: boolean;
  messages: { role: string; content: string }[];
  responseFormat: unknown;
  /** The functions offered, by name (function calling), if any. */
  tools: string[];
}

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for tests: `/v1/chat/completions`, JSON or SSE (when the
 * request says `stream: true`), with scripted failures. `script(model, n)` decides the behaviour of the n-th
 * (1-based) request for a model.
 */
export class FakeLlmServer {
  readonly requests: SeenRequest[] = [];
  /** When the client gave up on a hanging request (closed the connection): epoch ms, in order. */
  readonly abandoned: number[] = [];
  private readonly server: http.Server;
  private readonly counts = new Map<string, number>();
  private readonly hanging = new Set<http.ServerResponse>();
  script: (model: string, n: number, request: SeenRequest) => Behaviour = () => ({ kind: 'ok', content: 'hello' });

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString()));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    const hanging = [...this.hanging];
    this.hanging.clear();
    for (const res of hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  count(model?: string): number {
    return model === undefined ? this.requests.length : this.requests.filter((r) => r.model === model).length;
  }

  reset(): void {
    this.requests.length = 0;
    this.counts.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(text) as { model: string; stream?: boolean; messages: SeenRequest['messages']; response_format?: unknown; tools?: { function: { name: string } }[] };
    const seen: SeenRequest = { model: body.model, stream: body.stream === true, messages: body.messages, responseFormat: body.response_format, tools: (body.tools ?? []).map((t) => t.function.name) };
    this.requests.push(seen);
    const n = (this.counts.get(body.model) ?? 0) + 1;
    this.counts.set(body.model, n);
    const behaviour = this.script(body.model, n, seen);

    if (behaviour.kind === 'hang') {
      this.hanging.add(res);
      res.on('close', () => {
        if (this.hanging.delete(res)) this.abandoned.push(Date.now());
      });
      return;
    }
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, {
        'content-type': 'application/json',
        ...(behaviour.retryAfter === undefined ? {} : { 'retry-after': behaviour.retryAfter }),
      });
      res.end(JSON.stringify({ error: { message: `scripted ${behaviour.status}`, type: 'server_error' } }));
      return;
    }
    const id = `chatcmpl-${n}`;
    const created = Math.floor(Date.now() / 1000);
    if (behaviour.kind === 'tools') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: null, tool_calls: behaviour.calls.map((c, i) => ({ id: `call_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } })) },
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320 },
        }),
      );
      return;
    }
    const content = behaviour.content;
    const usage = behaviour.kind === 'ok' && behaviour.usage ? behaviour.usage : { prompt: 11, completion: Math.max(1, Math.ceil(content.length / 4)) };
    const finish = behaviour.kind === 'ok' ? (behaviour.finishReason ?? 'stop') : null;
    if (!seen.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }],
          usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const pieces = content.match(/.{1,5}/gs) ?? [];
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    if (behaviour.kind === 'cut') {
      res.write(chunk({ content: pieces[0] ?? '' }, null));
      setTimeout(() => res.destroy(), 10);
      return;
    }
    let i = 0;
    const next = () => {
      if (i < pieces.length) {
        res.write(chunk({ content: pieces[i] }, null));
        i += 1;
        setImmediate(next);
        return;
      }
      res.write(chunk({}, finish));
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    };
    next();
  }
}
