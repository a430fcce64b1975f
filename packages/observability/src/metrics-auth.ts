import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a scrape may read `/metrics`: always when no token is configured (METRICS_TOKEN unset: the port is
 * expected to be private), else only with `Authorization: Bearer <METRICS_TOKEN>` (Prometheus `authorization`).
 * Compared in constant time over hashes, so the token's length does not leak either.
 */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
