/**
 * Frames whose answer carries no id of theirs (`ping`, `subscribe`, `stop_agent`). The gateway handles a socket's
 * frames one after another and answers in that order, so a FIFO of what was sent tells which request an `error`
 * frame without `clientMessageId` belongs to. `stop_agent` has no success reply of its own, so the client sends a
 * `ping` right after it: a `pong` arriving with no error before it means the stop was taken.
 */
export type PendingRequest =
  | { kind: 'ping' }
  | { kind: 'subscribe'; threadId: string }
  | { kind: 'stop'; runId: string; threadId: string };

export type Reply = { type: 'pong' } | { type: 'subscribed'; threadId: string } | { type: 'error' };

export interface Settled {
  queue: PendingRequest[];
  /** Requests known to have succeeded. */
  succeeded: PendingRequest[];
  /** The request an error frame answers; null when the error matches nothing we sent (show it as a notice). */
  failed: PendingRequest | null;
}

export function settle(queue: PendingRequest[], reply: Reply): Settled {
  if (reply.type === 'error') {
    const [head, ...rest] = queue;
    return { queue: rest, succeeded: [], failed: head ?? null };
  }
  const index = queue.findIndex((r) =>
    reply.type === 'pong' ? r.kind === 'ping' : r.kind === 'subscribe' && r.threadId === reply.threadId,
  );
  // A reply we did not ask for (e.g. after a reconnect reset the queue) settles nothing.
  if (index < 0) return { queue, succeeded: [], failed: null };
  return { queue: queue.slice(index + 1), succeeded: queue.slice(0, index + 1), failed: null };
}
