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

/** CPU ms of named groups of processes (PostgreSQL backends are listed afresh each time: they come and go). */
export async function cpuByGroup(groups: Record<string, () => Promise<number[]>>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [group, pids] of Object.entries(groups)) {
    let sum = 0;
    for (const pid of await pids()) sum += await cpuMs(pid);
    out[group] = sum;
  }
  return out;
}
