import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  /** Which path of the receiver was called (one receiver serves several webhooks). */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, exactly as signed. */
  body: string;
  /** Epoch ms when the request arrived. */
  at: number;
}

/** How the receiver answers one request: a status (and headers), or `hang` (never answers). */
export type Reply = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A local HTTP endpoint standing in for a customer's webhook receiver: records every request and answers as the
 * test scripts it per path (default 200). Lifecycle: `start()`, `close()` (also drops hanging requests).
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  private readonly scripts = new Map<string, (n: number) => Reply>();
  private readonly hanging = new Set<http.ServerResponse>();
  private waiters: { match: () => boolean; resolve: () => void }[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const n = this.received.filter((r) => r.path === path).length;
      const reply = this.scripts.get(path)?.(n) ?? { status: 200 };
      if (reply === 'hang') this.hanging.add(res);
      else res.writeHead(reply.status, reply.headers).end(reply.status >= 300 ? `receiver says ${reply.status}` : 'ok');
      this.waiters = this.waiters.filter((w) => {
        if (!w.match()) return true;
        w.resolve();
        return false;
      });
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** `reply(n)` answers the n-th request (1-based) to `path`. */
  script(path: string, reply: (n: number) => Reply): void {
    this.scripts.set(path, reply);
  }

  on(path: string): ReceivedDelivery[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves once `path` has received `count` requests. */
  waitFor(path: string, count: number, timeoutMs = 20_000): Promise<ReceivedDelivery[]> {
    return new Promise((resolve, reject) => {
      const match = () => this.on(path).length >= count;
      if (match()) return resolve(this.on(path));
      const timer = setTimeout(() => reject(new Error(`${path}: ${this.on(path).length} of ${count} deliveries after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.on(path));
        },
      });
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
