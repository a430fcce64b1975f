import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A slow OpenAI-compatible LLM server (chat completions, streamed or not) on 127.0.0.1: the stand-in for a remote
 * model, so a run stays busy long enough to be stopped. It is outside Netra (what `LLM_BASE_URL` points at), not a
 * mock of the backend. Streams a word every `intervalMs` for up to `maxMs`, and notes requests the client aborted.
 */
export class SlowLlm {
  readonly aborted: string[] = [];
  requests = 0;
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(options: { intervalMs?: number; maxMs?: number } = {}): Promise<SlowLlm> {
    const intervalMs = options.intervalMs ?? 200;
    const maxMs = options.maxMs ?? 60_000;
    let self: SlowLlm | undefined;
    const server = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'slow-model', object: 'model' }] }));
        return;
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (self) self.requests += 1;
        let body: { stream?: boolean; model?: string } = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString()) as typeof body;
        } catch {
          body = {};
        }
        const model = body.model ?? 'slow-model';
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        res.on('close', () => {
          clearInterval(timer);
          if (!res.writableEnded) self?.aborted.push(new Date().toISOString());
        });
        if (body.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
          let n = 0;
          timer = setInterval(() => {
            n += 1;
            const done = Date.now() - started > maxMs;
            const chunk = {
              id: 'chatcmpl-slow',
              object: 'chat.completion.chunk',
              created: Math.floor(started / 1000),
              model,
              choices: [{ index: 0, delta: done ? {} : { ...(n === 1 ? { role: 'assistant' } : {}), content: `thinking ${n}… ` }, finish_reason: done ? 'stop' : null }],
            };
            res.write(`data: ${JSON.stringify(chunk)}\n\n`);
            if (done) {
              clearInterval(timer);
              res.end('data: [DONE]\n\n');
            }
          }, intervalMs);
        } else {
          timer = setTimeout(() => {
            res.writeHead(200, { 'content-type': 'application/json' }).end(
              JSON.stringify({
                id: 'chatcmpl-slow',
                object: 'chat.completion',
                created: Math.floor(started / 1000),
                model,
                choices: [{ index: 0, message: { role: 'assistant', content: 'done thinking' }, finish_reason: 'stop' }],
                usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
              }),
            );
          }, maxMs);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new SlowLlm(server, `http://127.0.0.1:${port}/v1`);
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
