import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { RedisNames } from './names.js';
import type { RunQueue } from './queue.js';

export interface WorkerLivenessOptions {
  /** How long a heartbeat lives; a worker silent this long counts as dead. Default 2,500 ms. */
  ttlMs?: number;
  /** How often this worker checks the queue's running jobs for dead holders. Default 500 ms. */
  checkMs?: number;
}

/** What the readiness report shows of a live worker (the heartbeat's value). */
export interface LiveWorker {
  name: string;
  active: number;
  concurrency: number;
}

/**
 * Releases the locks of running jobs whose worker stopped beating. BullMQ puts `<worker id>:<n>` in each job's
 * lock; the lock of a job whose worker has no heartbeat key is deleted, and BullMQ's own stalled check (run every
 * `stalledInterval`) then moves the job back to wait, counting the stall, exactly as if the lock had expired.
 * The script only deletes a lock it read in the same atomic step, so a live worker never loses one.
 */
const RELEASE_DEAD = `
local active = redis.call('LRANGE', KEYS[1], 0, -1)
local released = {}
for _, jobId in ipairs(active) do
  local lockKey = ARGV[1] .. jobId .. ':lock'
  local token = redis.call('GET', lockKey)
  if token then
    local workerId = string.match(token, '^(.*):%d+$')
    if workerId and redis.call('EXISTS', ARGV[2] .. workerId) == 0 then
      redis.call('DEL', lockKey)
      table.insert(released, jobId)
    end
  end
end
return released`;

export interface WorkerLivenessEvents {
  /** Jobs whose dead worker's locks were released (they go back to wait at the next stalled check). */
  released: [jobIds: string[]];
  error: [error: Error];
}

/**
 * A worker's heartbeat and its watch over the others: a dead worker's runs are taken over within
 * `ttlMs + checkMs + 2 × stalledInterval` (~4.5 s with the defaults) instead of after the 30 s job lock —
 * the lock stays long, so a busy event loop or a Redis blip never hands a live worker's run to another.
 * Lifecycle: `start()`, `close()` (which deletes the heartbeat: a clean exit is not a death).
 */
export class WorkerLiveness extends EventEmitter<WorkerLivenessEvents> {
  private readonly ttlMs: number;
  private readonly checkMs: number;
  private beatTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    private readonly queue: RunQueue,
    private readonly workerId: string,
    private readonly describe: () => LiveWorker,
    options: WorkerLivenessOptions = {},
  ) {
    super();
    this.ttlMs = options.ttlMs ?? 2_500;
    this.checkMs = options.checkMs ?? 500;
  }

  async start(): Promise<void> {
    await this.beat();
    // Three beats per TTL: one late beat (GC pause, slow Redis reply) does not make the worker look dead.
    this.beatTimer = setInterval(() => void this.beat().catch((error: unknown) => this.fail(error)), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.beatTimer.unref();
    this.checkTimer = setInterval(() => void this.releaseDead().catch((error: unknown) => this.fail(error)), this.checkMs);
    this.checkTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.beatTimer);
    clearInterval(this.checkTimer);
    await this.redis.del(this.names.workerAlive(this.workerId));
  }

  /** Releases the locks of running jobs whose worker is gone; returns their ids. */
  async releaseDead(): Promise<string[]> {
    const released = (await this.redis.eval(
      RELEASE_DEAD,
      1,
      this.queue.toKey('active'),
      this.queue.toKey(''),
      this.names.workerAlive(''),
    )) as string[];
    if (released.length > 0) this.emit('released', released);
    return released;
  }

  private async beat(): Promise<void> {
    await this.redis.set(this.names.workerAlive(this.workerId), JSON.stringify(this.describe()), 'PX', this.ttlMs);
  }

  private fail(error: unknown): void {
    this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }
}

/** This stack's live workers, from their heartbeats (a crashed or crash-looping worker drops out within its TTL). */
export async function liveWorkers(redis: Redis, names: RedisNames): Promise<LiveWorker[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', names.allWorkersAlive, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((value) => {
    if (value === null) return [];
    try {
      return [JSON.parse(value) as LiveWorker];
    } catch {
      // A heartbeat written by something else under our prefix: not a worker we can describe.
      return [];
    }
  });
}
