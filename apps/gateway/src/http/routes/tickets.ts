import { Router } from 'express';
import type { TicketStore } from '../../auth/tickets.js';
import { currentUser } from '../middleware.js';

/** `POST /ws-tickets`: a single-use ticket for `/ws?ticket=…` (browsers cannot send Authorization on upgrades). */
export function ticketRoutes(tickets: TicketStore): Router {
  const router = Router();
  router.post('/ws-tickets', async (req, res) => {
    const { ticket, expiresAt } = await tickets.issue(currentUser(req));
    res.status(201).json({ ticket, expiresAt: expiresAt.toISOString(), url: `/ws?ticket=${ticket}` });
  });
  return router;
}
