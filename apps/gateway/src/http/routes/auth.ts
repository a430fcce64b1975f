import { Router } from 'express';
import { DevTokenBody, ForbiddenError, type PublicConfig } from '@netra/contracts';
import { signDevToken } from '../../auth/tokens.js';
import { parse } from '../validate.js';

export interface DevLoginOptions {
  enabled: boolean;
  secret: string | undefined;
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}

/** `GET /public-config`, and `POST /auth/dev-token`: development sign-in; answers 403 unless AUTH_DEV_LOGIN is on. */
export function authRoutes(options: DevLoginOptions): Router {
  const router = Router();
  // What the sign-in page needs to know, asked for instead of probed (a probe logs a 400/403 in the console).
  router.get('/public-config', (_req, res) => {
    res.json({ devLogin: options.enabled && options.secret !== undefined } satisfies PublicConfig);
  });
  router.post('/auth/dev-token', async (req, res) => {
    if (!options.enabled || !options.secret) throw new ForbiddenError('Development login is disabled (AUTH_DEV_LOGIN)');
    const body = parse(DevTokenBody, req.body, 'body');
    const { token, expiresAt } = await signDevToken({
      secret: options.secret,
      subject: body.userId,
      roles: body.roles ?? [],
      ttlSeconds: options.ttlSeconds,
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    });
    res.status(201).json({ token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString() });
  });
  return router;
}
