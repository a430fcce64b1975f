/** Why a run's AbortSignal fired. */

/** The run was cancelled (stop_agent, POST /cancel, interrupt): stop quietly; the canceller announced it. */
export class CancelAbort extends Error {
  constructor(readonly reason: string) {
    super(`run cancelled: ${reason}`);
    this.name = 'CancelAbort';
  }
}

/** The worker itself is stopping: hand the run back to the queue, another worker resumes it. */
export class ShutdownAbort extends Error {
  constructor() {
    super('worker shutting down');
    this.name = 'ShutdownAbort';
  }
}
