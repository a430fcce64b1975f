import { Router, type Request, type Response } from 'express';
import { EventId, IdParams, isTerminalEvent, RunEventsQuery, TERMINAL_RUN_STATUSES, ValidationError } from '@netra/contracts';
import type { EventStreams } from '../../events/streams.js';
import type { RunService } from '../../services/runs.js';
import { currentUser } from '../middleware.js';
import { parse } from '../validate.js';

const SSE_HEARTBEAT_MS = 15_000;

export function runRoutes(runs: RunService, streams: EventStreams): Router {
  const router = Router();

  router.get('/runs/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await runs.get(currentUser(req).id, id));
  });

  router.post('/runs/:id/cancel', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await runs.cancel(currentUser(req).id, id));
  });

  /**
   * The run's events after `after` (or the SSE `Last-Event-ID`): JSON by default, or a live `text/event-stream`
   * that replays, continues live, and ends after the run's terminal event.
   */
  router.get('/runs/:id/events', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { after } = parse(RunEventsQuery, req.query, 'query');
    const lastEventId = req.get('last-event-id');
    if (lastEventId !== undefined && !EventId.safeParse(lastEventId).success) {
      throw new ValidationError('Last-Event-ID must be an eventId (16 digits)');
    }
    const from = after ?? lastEventId ?? null;
    const user = currentUser(req);
    const threadId = await runs.threadOf(user.id, id);

    if (req.accepts(['application/json', 'text/event-stream']) !== 'text/event-stream') {
      const data = await streams.runEvents(threadId, id, from);
      res.json({ data });
      return;
    }
    await streamRun(req, res, { runs, streams, userId: user.id, threadId, runId: id, after: from });
  });

  return router;
}

async function streamRun(
  req: Request,
  res: Response,
  o: { runs: RunService; streams: EventStreams; userId: string; threadId: string; runId: string; after: string | null },
): Promise<void> {
  res.status(200);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();

  let ended = false;
  let follow: Awaited<ReturnType<EventStreams['followRun']>> | undefined;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    void follow?.close();
    res.end();
  };
  req.on('close', end);

  follow = await o.streams.followRun({
    userId: o.userId,
    threadId: o.threadId,
    runId: o.runId,
    after: o.after,
    onBroken: end,
    write: (raw, envelope) => {
      if (ended) return false;
      res.write(`id: ${envelope.eventId}\nevent: ${envelope.type}\ndata: ${raw}\n\n`);
      if (isTerminalEvent(envelope)) end();
      return true;
    },
  });
  if (ended) {
    await follow.close();
    return;
  }
  // A finished run whose events aged out of the log: nothing more will come.
  const run = await o.runs.get(o.userId, o.runId);
  if (TERMINAL_RUN_STATUSES.includes(run.status) && follow.replayed === 0) {
    res.write(`event: end\ndata: ${JSON.stringify({ runId: o.runId, status: run.status })}\n\n`);
    end();
  }
}
