import type { Session } from '../state/app';

/**
 * The token lives in this tab's sessionStorage: it survives a reload, is not shared with other tabs or kept after the
 * tab closes, and never appears in a URL. (In-memory only would sign the user out on every reload.)
 */
const KEY = 'netra.session.v1';

export function loadSession(now = Date.now()): Session | null {
  let raw: string | null;
  try {
    raw = window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<Session>;
    if (typeof value.token !== 'string' || typeof value.userId !== 'string') return null;
    const expiresAt = typeof value.expiresAt === 'number' ? value.expiresAt : null;
    if (expiresAt !== null && expiresAt <= now) {
      clearSession();
      return null;
    }
    return { token: value.token, userId: value.userId, expiresAt, method: value.method === 'dev' ? 'dev' : 'token' };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    // Storage disabled (private mode quotas…): the session simply lasts until reload.
  }
}

export function clearSession(): void {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // nothing to clear
  }
}

/**
 * Reads `sub` and `exp` from a JWT's payload, without verifying it (the gateway does that): only to name the user
 * and to sign out when the token expires. Returns null when the text is not a JWT.
 */
export function readJwt(token: string): { subject: string | null; expiresAt: number | null } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const json: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))));
    if (typeof json !== 'object' || json === null) return null;
    const { sub, exp } = json as { sub?: unknown; exp?: unknown };
    return { subject: typeof sub === 'string' ? sub : null, expiresAt: typeof exp === 'number' ? exp * 1000 : null };
  } catch {
    return null;
  }
}
