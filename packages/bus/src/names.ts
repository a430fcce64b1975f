/**
 * The one place that names Redis keys, channels and queues. Everything lives under a configurable prefix so that
 * tests and parallel stacks can share a Redis. Keys of one thread share a hash tag (`{threadId}`), so one thread's
 * appends touch a single slot. (The event log batches the appends of several threads into one script call, which a
 * standalone Redis — what Netra connects to — runs as one; on Redis Cluster the batches would be made per slot.)
 */
export class RedisNames {
  /** The BullMQ queue that carries runs from gateways to supervisor workers. */
  readonly runQueue = 'agent-runs';
  /** The BullMQ queue of webhook deliveries (one job per event and webhook; retried with backoff). */
  readonly webhookQueue = 'webhook-deliveries';
  /** Where a delivery goes after its last failed attempt: kept for operators, never processed. */
  readonly webhookDeadLetterQueue = 'webhook-dead-letters';
  /** The BullMQ queue of Netra's own watching: budget checks after ingests and on a timer. */
  readonly watchQueue = 'watch';

  constructor(readonly prefix: string) {}

  /** BullMQ's own key prefix (it appends `:<queue>:…`). */
  get bullPrefix(): string {
    return `${this.prefix}:bull`;
  }

  /** Pub/sub channel carrying the run events of one user's threads to whichever gateway holds their sockets. */
  userEvents(userId: string): string {
    return `${this.prefix}:events:user:${userId}`;
  }

  /** Pattern matching every user channel (operators' debugging, never used on the hot path). */
  get allUserEvents(): string {
    return `${this.prefix}:events:user:*`;
  }

  /** Stream holding the thread's recent events for resume; entry ids are `0-<seq>`. */
  threadEventLog(threadId: string): string {
    return `${this.prefix}:thread:{${threadId}}:events`;
  }

  /** Counter that numbers the thread's events (re-seeded from the clock if lost, so ids never go backwards). */
  threadEventSeq(threadId: string): string {
    return `${this.prefix}:thread:{${threadId}}:seq`;
  }

  /** Set of one-shot event keys already published for a run (e.g. its terminal event). */
  runOnceEvents(threadId: string, runId: string): string {
    return `${this.prefix}:thread:{${threadId}}:once:${runId}`;
  }

  /** Broadcast channel telling every worker to abort a run. */
  get cancelChannel(): string {
    return `${this.prefix}:control:cancel`;
  }

  /** Lock held by the one worker that reconciles runs, queue and threads at a time. */
  get reconcilerLock(): string {
    return `${this.prefix}:lock:reconciler`;
  }

  /** Single-use WebSocket tickets, stored by sha256 of the ticket. */
  wsTicket(ticketHash: string): string {
    return `${this.prefix}:ws-ticket:${ticketHash}`;
  }

  /** Rate limiter keyspace. */
  rateLimit(name: string): string {
    return `${this.prefix}:rl:${name}`;
  }

  /** LLM response cache. */
  llmCache(key: string): string {
    return `${this.prefix}:llm:cache:${key}`;
  }

  /** Pattern matching every cached LLM answer (admin: count, clear). */
  get llmCacheAll(): string {
    return `${this.prefix}:llm:cache:*`;
  }

  /** Hash of the LLM cache's hit/miss counters, shared by every worker (read by the admin API). */
  get llmCacheStats(): string {
    return `${this.prefix}:llm:cache-stats`;
  }

  /** Hash: worker name → its breakers' states as last published (the gateway's admin API reads it). */
  get llmBreakers(): string {
    return `${this.prefix}:llm:breakers`;
  }

  /** Broadcast channel of LLM operator commands to every worker (e.g. force-close a breaker). */
  get llmControlChannel(): string {
    return `${this.prefix}:control:llm`;
  }

  /**
   * A worker's heartbeat (short TTL, refreshed while the process lives), by the id BullMQ puts in its job locks.
   * The value describes the worker for the readiness report.
   */
  workerAlive(workerId: string): string {
    return `${this.prefix}:worker:alive:${workerId}`;
  }

  /** Pattern matching every live worker of this stack (readiness; never on the hot path). */
  get allWorkersAlive(): string {
    return `${this.prefix}:worker:alive:*`;
  }

  /** Admin browser sessions (Bull Board cookie), stored by sha256 of the cookie value. */
  adminSession(tokenHash: string): string {
    return `${this.prefix}:admin-session:${tokenHash}`;
  }
}
