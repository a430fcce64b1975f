import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time from /proc (utime + stime), per process: what a run costs whatever else the machine is doing, unlike
 * wall time or a sampling profiler. Linux only; clock ticks are 100 Hz here (getconf CLK_TCK), so figures are
 * averaged over many runs.
 */
const TICK_MS = 10;

/** utime + stime of a process in ms, or 0 when it is gone. */
export async function cpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    // The process exited between listing and reading: it has no more CPU to count.
    return 0;
  }
}

/** The pids of every process whose command name is `name` (e.g. every PostgreSQL backend: `postgres`). */
export async function pidsNamed(name: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, 'utf8')).trim() === name) out.push(Number(entry));
    } catch {
      // Gone since the listing.
    }
  }
  return out;
}

/**
 * CPU ms spent by named groups of processes over a window, per group — counting processes that exit during it.
 * Reading each process only before and after cannot: a process gone at the end reads 0, so the CPU it had spent
 * before the window is subtracted (a PostgreSQL backend that the pool closes after its idle timeout during the window made the
 * database's share come out too low, once at 0.18 ms per run). This reads every process every `intervalMs` and keeps
 * its last reading; a process first seen during the window counts from 0 (it started during it).
 */
export class CpuWatch {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly groupOf = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly groups: Record<string, () => Promise<number[]>>,
    private readonly intervalMs = 200,
  ) {}

  async start(): Promise<void> {
    await this.read(true);
    this.timer = setInterval(() => {
      this.reading = this.reading.then(() => this.read(false));
    }, this.intervalMs);
  }

  /** Reads once more and returns each group's CPU ms over the window. */
  async stop(): Promise<Record<string, number>> {
    clearInterval(this.timer);
    await this.reading;
    await this.read(false);
    const out: Record<string, number> = Object.fromEntries(Object.keys(this.groups).map((g) => [g, 0]));
    for (const [pid, last] of this.last) {
      const group = this.groupOf.get(pid);
      if (group !== undefined) out[group] = (out[group] ?? 0) + last - (this.first.get(pid) ?? 0);
    }
    return out;
  }

  private async read(initial: boolean): Promise<void> {
    for (const [group, pids] of Object.entries(this.groups)) {
      for (const pid of await pids()) {
        const ms = await cpuMs(pid);
        // 0: the process exited between listing and reading; its last reading stands.
        if (ms === 0 && this.last.has(pid)) continue;
        this.groupOf.set(pid, group);
        if (!this.first.has(pid)) this.first.set(pid, initial ? ms : 0);
        this.last.set(pid, Math.max(ms, this.last.get(pid) ?? 0));
      }
    }
  }
}
