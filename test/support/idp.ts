import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  /** The public key as the IdP publishes it. */
  jwk: JWK;
  /** The public key as PEM: what an algorithm-confusion attacker uses as an HMAC secret. */
  publicPem: string;
}

export async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

export interface Claims {
  sub?: string | null;
  iss?: string;
  aud?: string;
  /** Seconds since the epoch; `null` leaves the claim out. */
  exp?: number | null;
  nbf?: number;
  roles?: unknown;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A JWT with exactly the claims asked for, signed by `key` (asymmetric) or an HMAC secret. */
export async function mint(key: SigningKey | { secret: string; alg?: 'HS256' | 'HS384' | 'HS512' } | { hmacKey: Uint8Array }, claims: Claims = {}, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  let jwt = new SignJWT(claims.roles === undefined ? {} : { roles: claims.roles });
  if (claims.sub !== null) jwt = jwt.setSubject(claims.sub ?? 'idp-user');
  if (claims.exp !== null) jwt = jwt.setExpirationTime(claims.exp ?? nowSeconds() + 300);
  if (claims.nbf !== undefined) jwt = jwt.setNotBefore(claims.nbf);
  if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  jwt = jwt.setIssuedAt();
  if ('privateKey' in key) return jwt.setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
  if ('hmacKey' in key) return jwt.setProtectedHeader({ alg: 'HS256', ...header }).sign(key.hmacKey);
  return jwt.setProtectedHeader({ alg: key.alg ?? 'HS256', ...header }).sign(new TextEncoder().encode(key.secret));
}

/** A tiny identity provider: serves a JWKS the test can rotate, and counts how often it was fetched. */
export class FakeIdp {
  keys: JWK[] = [];
  fetches = 0;
  private readonly server = http.createServer((_req, res) => {
    this.fetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: this.keys }));
  });

  /** Listens on a free loopback port; resolves with the JWKS URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
