export interface CheckResult {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
  details?: Record<string, unknown>;
}

export type HealthCheck = () => Promise<Record<string, unknown> | void>;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

async function timed(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const details = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 100) / 100, ...(details ? { details } : {}) };
  } catch (error) {
    return {
      status: 'down',
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs named dependency checks in parallel, each bounded by `timeoutMs`; any check down makes the report unavailable. */
export async function runHealthChecks(checks: Record<string, HealthCheck>, timeoutMs = 2_000): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => timed(checks[name] as HealthCheck, timeoutMs)));
  const out: Record<string, CheckResult> = {};
  names.forEach((name, i) => {
    out[name] = results[i] as CheckResult;
  });
  return { status: results.every((r) => r.status === 'up') ? 'ok' : 'unavailable', checks: out };
}
