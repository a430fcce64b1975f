#!/usr/bin/env node
/**
 * The baselines `npm run bench:sockets` measures the gateway against, each started as its own process:
 *
 * - `bare`: a bare `ws` server doing what the gateway does at its minimum — JSON frames (`ping` → `pong`), a
 *   `user_message` accepted with one raw `pg` insert and one BullMQ add, and the textbook heartbeat (ping every
 *   socket in one loop per interval). No auth, no validation library, no rate limit, no tracing.
 * - `socketio`: a Socket.IO server with `@socket.io/redis-adapter`; clients join a room, and a `publish` from any
 *   client is emitted to the room on every server (the fan-out baseline; two of them run side by side).
 *
 * Both print one JSON line `{"ready":true,"port":…}` on stdout, and answer `GET /stats` with their RSS and their
 * event-loop delay since the previous call (the same `monitorEventLoopDelay` prom-client uses for the gateway).
 *
 * Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_PREFIX, BENCH_HEARTBEAT_MS.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import { Server as SocketIoServer } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';

const role = process.argv[2];
const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};

/** Event-loop delay sampled every 10 ms — prom-client's default resolution for the gateway's metric. */
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

function rssBytes(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** `GET /stats`: RSS, and the event-loop delay p99/max since the last call (then reset, like a Prometheus scrape). */
function statsServer(): http.Server {
  return http.createServer((req, res) => {
    if (req.url !== '/stats') {
      res.writeHead(404).end();
      return;
    }
    const body = { rssBytes: rssBytes(), lagP99Seconds: delay.percentile(99) / 1e9, lagMaxSeconds: delay.max / 1e9 };
    delay.reset();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

interface BareSocket extends WebSocket {
  alive?: boolean;
}

async function bare(): Promise<void> {
  const pool = new pg.Pool({ connectionString: env('BENCH_DATABASE_URL'), max: 10 });
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_accept (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), thread_id uuid NOT NULL, content text NOT NULL,
    client_message_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  const connection = new Redis(env('BENCH_REDIS_URL'), { maxRetriesPerRequest: null });
  const queue = new Queue('bench-bare-runs', { connection, prefix: `${env('BENCH_PREFIX')}:bq` });
  const server = statsServer();
  const wss = new WebSocketServer({ server, clientTracking: true, maxPayload: 256 * 1024 });
  wss.on('connection', (socket: BareSocket) => {
    socket.alive = true;
    socket.on('pong', () => {
      socket.alive = true;
    });
    socket.on('error', () => socket.terminate());
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type?: string; threadId?: string; text?: string; clientMessageId?: string };
      if (frame.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
        return;
      }
      if (frame.type === 'user_message') {
        void (async () => {
          const { rows } = await pool.query<{ id: string }>(
            'INSERT INTO bench_accept (thread_id, content, client_message_id) VALUES ($1, $2, $3) RETURNING id',
            [frame.threadId, frame.text, frame.clientMessageId],
          );
          const id = rows[0]?.id ?? '';
          await queue.add('run', { runId: id, threadId: frame.threadId }, { removeOnComplete: true });
          socket.send(JSON.stringify({ type: 'message_accepted', messageId: id, runId: id, threadId: frame.threadId, clientMessageId: frame.clientMessageId }));
        })().catch((error: unknown) => {
          console.error('bare accept failed', error);
          socket.send(JSON.stringify({ type: 'error', code: 'internal', clientMessageId: frame.clientMessageId }));
        });
      }
    });
    socket.send(JSON.stringify({ type: 'connection_established' }));
  });
  // The textbook heartbeat: every socket in one loop.
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients as Set<BareSocket>) {
      if (!socket.alive) {
        socket.terminate();
        continue;
      }
      socket.alive = false;
      socket.ping();
    }
  }, Number(env('BENCH_HEARTBEAT_MS')));
  const port = await listen(server);
  console.log(JSON.stringify({ ready: true, port }));
  process.once('SIGTERM', () => {
    clearInterval(heartbeat);
    for (const socket of wss.clients) socket.terminate();
    void Promise.allSettled([queue.close(), pool.end()]).then(() => {
      connection.disconnect();
      process.exit(0);
    });
  });
}

async function socketio(): Promise<void> {
  const pub = new Redis(env('BENCH_REDIS_URL'));
  const sub = pub.duplicate();
  const server = statsServer();
  const io = new SocketIoServer(server, {
    transports: ['websocket'],
    adapter: createAdapter(pub, sub, { key: `${env('BENCH_PREFIX')}:socket.io` }),
  });
  io.on('connection', (socket) => {
    socket.on('join', (room: string, ack: () => void) => {
      void Promise.resolve(socket.join(room)).then(() => ack());
    });
    // The fan-out: one event to every socket in the room, on every server (through Redis).
    socket.on('publish', (room: string, payload: string) => {
      io.to(room).emit('event', payload);
    });
  });
  const port = await listen(server);
  console.log(JSON.stringify({ ready: true, port }));
  process.once('SIGTERM', () => {
    void io.close().finally(() => {
      pub.disconnect();
      sub.disconnect();
      process.exit(0);
    });
  });
}

const roles: Record<string, () => Promise<void>> = { bare, socketio };
const start = role === undefined ? undefined : roles[role];
if (!start) {
  console.error(`usage: socket-baselines.js ${Object.keys(roles).join('|')}`);
  process.exit(2);
}
start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
