import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isForbiddenAddress } from './address-guard.js';

export interface SendOptions {
  url: string;
  /** The exact bytes that were signed. */
  body: string;
  headers: Record<string, string>;
  /** Whole request: connect, send, the answer's headers and (bounded) body. */
  timeoutMs: number;
  /** Allow loopback/private/link-local targets (WEBHOOK_ALLOW_PRIVATE; tests and closed networks). */
  allowPrivate: boolean;
  /** At most this much of the answer is read (then the socket is dropped); only its status matters. */
  maxResponseBytes?: number;
}

export interface SendResult {
  ok: boolean;
  /** Null when no answer came. */
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
}

/** How much of the receiver's error body is kept in the delivery log. */
const ERROR_EXCERPT = 200;

/**
 * One POST of a signed delivery. Never throws: the outcome is the result. Redirects are not followed (a 3xx is a
 * failure: following it would let a public URL send us inside), the time and the answer's size are bounded.
 */
export function sendWebhook(options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(options.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // An IP literal skips the socket's lookup, so the guard must look at it here.
  if (!options.allowPrivate && isIP(host) && isForbiddenAddress(host)) {
    return Promise.resolve({ ok: false, httpStatus: null, latencyMs: 0, error: `address ${host} is not allowed for webhooks` });
  }
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const request = transport.request(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) },
      lookup: guardedLookup(options.allowPrivate),
      // No connection reuse across users' endpoints: each delivery stands alone.
      agent: false,
    });
    const timer = setTimeout(() => {
      finish({ ok: false, httpStatus: null, error: `timed out after ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => finish({ ok: false, httpStatus: null, error: error.message.slice(0, ERROR_EXCERPT) }));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_EXCERPT);
        const error = ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
        finish({ ok, httpStatus: status, error });
      };
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= ERROR_EXCERPT) chunks.push(chunk);
        if (size > maxBytes) {
          done();
          response.destroy();
        }
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end(options.body);
  });
}
