#!/usr/bin/env node
/**
 * The ping part's client, in a process of its own (forked by sockets.ts): the instrument, kept out of what it
 * measures.
 *
 * In the bench process itself, the client's own scavenges paused every ping in flight: in a traced run (2026-12-04,
 * fifth session) 113 of the leased gateway's 200 slowest round trips and 80 of a second bare server's overlapped a
 * scavenge of the bench, which also carries whatever the idle part left (19,000 closed sockets per server). Here the
 * client has a young generation large enough for a round's garbage (64 MB semi-spaces), and scavenges it between
 * rounds (`--expose-gc`), so no collection of the client's falls inside a measured round. A minor collection, not a
 * full one: a full collection between rounds gave the young generation's memory back each time, and the kernel's
 * work to hand it out again set a ~2.7 ms pause in every round. `--single-threaded-gc`: no GC helper threads
 * competing with the client for its CPU.
 *
 * IPC protocol (parent → child → parent):
 *   { cmd: 'open', server, url, token?, sockets } → { opened: server }
 *   { cmd: 'round', server, pings }                → { server, sent: number[] (epoch ms), rtts: number[] (ms) }
 *   { cmd: 'close' }                               → exits
 */
import type WebSocket from 'ws';
import { exchange, openSocket } from './ws-client.js';

type Command =
  | { cmd: 'open'; server: string; url: string; token?: string; sockets: number }
  | { cmd: 'round'; server: string; pings: number }
  | { cmd: 'close' };

const gc = (globalThis as { gc?: (options: { type: 'minor' | 'major' }) => void }).gc;
if (!gc || !process.send) throw new Error('ping-client runs forked by sockets.js, with --expose-gc');
const send = process.send.bind(process);

const servers = new Map<string, WebSocket[]>();

/** Sequential pings on each socket, all sockets at once; the same frames and parsing as the clients of a chat. */
async function round(sockets: WebSocket[], pings: number): Promise<{ sent: number[]; rtts: number[] }> {
  const sent: number[] = [];
  const rtts: number[] = [];
  await Promise.all(
    sockets.map(async (socket) => {
      for (let i = 0; i < pings / sockets.length; i += 1) {
        const at = performance.now();
        await exchange(socket, { type: 'ping' }, 'pong');
        rtts.push(performance.now() - at);
        sent.push(performance.timeOrigin + at);
      }
    }),
  );
  return { sent, rtts };
}

process.on('message', (message: Command) => {
  void (async () => {
    if (message.cmd === 'open') {
      const sockets: WebSocket[] = [];
      for (let i = 0; i < message.sockets; i += 1) sockets.push(await openSocket(message.url, message.token));
      servers.set(message.server, sockets);
      send({ opened: message.server });
    } else if (message.cmd === 'round') {
      gc({ type: 'minor' });
      send({ server: message.server, ...(await round(servers.get(message.server) ?? [], message.pings)) });
    } else {
      for (const sockets of servers.values()) for (const s of sockets) s.terminate();
      process.disconnect();
    }
  })().catch((error: unknown) => {
    console.error('ping-client failed', error);
    process.exit(1);
  });
});
