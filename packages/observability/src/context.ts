import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation ids carried by every log line written while they are in scope. */
export interface LogContext {
  requestId?: string;
  traceId?: string;
  connectionId?: string;
  userId?: string;
  threadId?: string;
  runId?: string;
  jobId?: string;
  agent?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `ctx` merged over the current context. */
export function withContext<T>(ctx: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...ctx }, fn);
}

/** Adds ids learned mid-flight (e.g. the user after authentication) to the current scope. */
export function addContext(ctx: LogContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, ctx);
}

export function currentContext(): LogContext {
  return storage.getStore() ?? {};
}
