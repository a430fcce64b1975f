import { Router } from 'express';
import {
  ListRunsQuery,
  ClientMessageId,
  CreateThreadBody,
  IdParams,
  ListMessagesQuery,
  ListThreadsQuery,
  PostMessageBody,
  UpdateThreadBody,
} from '@netra/contracts';
import type { MessageService } from '../../services/messages.js';
import type { RunService } from '../../services/runs.js';
import type { ThreadService } from '../../services/threads.js';
import { currentUser } from '../middleware.js';
import { parse } from '../validate.js';

export function threadRoutes(threads: ThreadService, messages: MessageService, runs: RunService): Router {
  const router = Router();

  router.post('/threads', async (req, res) => {
    const body = parse(CreateThreadBody, req.body ?? {}, 'body');
    res.status(201).json(await threads.create(currentUser(req).id, body));
  });

  router.get('/threads', async (req, res) => {
    const query = parse(ListThreadsQuery, req.query, 'query');
    res.json(await threads.list(currentUser(req).id, query));
  });

  router.get('/threads/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await threads.get(currentUser(req).id, id));
  });

  router.patch('/threads/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateThreadBody, req.body, 'body');
    res.json(await threads.update(currentUser(req).id, id, body));
  });

  router.delete('/threads/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await threads.archive(currentUser(req).id, id));
  });

  router.get('/threads/:id/runs', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListRunsQuery, req.query, 'query');
    res.json(await runs.list(currentUser(req).id, id, query));
  });

  router.get('/threads/:id/messages', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListMessagesQuery, req.query, 'query');
    res.json(await messages.list(currentUser(req).id, id, query));
  });

  router.post('/threads/:id/messages', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(PostMessageBody, req.body, 'body');
    const header = req.get('idempotency-key');
    const idempotencyKey = header === undefined ? undefined : parse(ClientMessageId, header, 'Idempotency-Key header');
    const { accepted } = await messages.accept(
      currentUser(req).id,
      { threadId: id, text: body.text, clientMessageId: body.clientMessageId ?? idempotencyKey, strategy: body.strategy },
      'http',
    );
    res.status(202).json(accepted);
  });

  return router;
}
