import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { logger } from '@netra/observability';

/** Paths the web app never owns: a miss there stays the API's JSON 404, never the SPA's index.html. */
const RESERVED = /^\/(api|ws|health|metrics|admin)(\/|$)/;
/** Vite puts content-hashed files here: their URL changes whenever their content does. */
const HASHED = `${path.sep}assets${path.sep}`;

/**
 * Serves the built browser client (`apps/web/dist`) at `/`:
 * - hashed assets (`/assets/*`) cached for a year as `immutable`;
 * - `index.html` and the other files `no-cache` (revalidated with their ETag), so a deploy is picked up at once;
 * - any other GET that wants HTML and is not under a reserved prefix gets `index.html` (client-side routes such as
 *   `/threads/:id` survive a reload or a shared link).
 * Returns undefined when the client is not built, so the gateway still runs as a pure API.
 */
export function webClient(root: string): Router | undefined {
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) {
    logger.warn('web client not built (npm run build -w @netra/web); serving the API only', { root });
    return undefined;
  }
  const router = Router();
  router.use(
    express.static(root, {
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders(res, filePath) {
        res.setHeader(
          'cache-control',
          filePath.includes(HASHED) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (RESERVED.test(req.path) || req.path.startsWith('/assets/')) return next();
    if (!req.accepts('html')) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index, { cacheControl: false }, (error) => {
      if (error) next(error);
    });
  });
  return router;
}
