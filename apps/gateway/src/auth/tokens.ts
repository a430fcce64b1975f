import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { UnauthorizedError } from '@netra/contracts';

/** Who is calling, as established by a verified token. */
export interface Principal {
  /** The token's `sub`. */
  subject: string;
  roles: string[];
}

export interface TokenVerifierOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** JWKS of an identity provider (RS256/ES256/EdDSA); keys are cached and refetched on unknown `kid`. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Allowed clock skew in seconds for `exp`/`nbf`/`iat`. Default and maximum 30. */
  clockToleranceSeconds?: number;
  /** Least time between two JWKS fetches (an unknown `kid` triggers one). Default 30 s. */
  jwksCooldownMs?: number;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies bearer JWTs. The algorithm decides the key source — HS256 only against the shared secret, asymmetric
 * algorithms only against the JWKS — so a token cannot pick its own verification key (algorithm confusion),
 * and `alg: none` never verifies. `exp` and `sub` are required.
 */
export class TokenVerifier {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly verifyOptions: JWTVerifyOptions;

  constructor(options: TokenVerifierOptions) {
    this.secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
    // Keys are cached for 10 minutes; a token signed with a key not in the cache (the IdP rotated) refetches the
    // set, at most once per cooldown, so forged `kid`s cannot make us hammer the IdP.
    this.jwks = options.jwksUrl
      ? createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs ?? 30_000, cacheMaxAge: 600_000, timeoutDuration: 5_000 })
      : undefined;
    this.verifyOptions = {
      clockTolerance: Math.min(30, options.clockToleranceSeconds ?? 30),
      requiredClaims: ['exp', 'sub'],
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    };
  }

  async verify(token: string): Promise<Principal> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new UnauthorizedError('Malformed token');
    }
    let payload: JWTPayload;
    try {
      if (alg === 'HS256' && this.secret) {
        ({ payload } = await jwtVerify(token, this.secret, { ...this.verifyOptions, algorithms: ['HS256'] }));
      } else if (alg !== undefined && ASYMMETRIC.includes(alg) && this.jwks) {
        ({ payload } = await jwtVerify(token, this.jwks, { ...this.verifyOptions, algorithms: ASYMMETRIC }));
      } else {
        throw new UnauthorizedError(`Token algorithm ${alg ?? '(none)'} is not accepted`);
      }
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      throw new UnauthorizedError(describeJoseError(error));
    }
    const subject = payload.sub;
    // Control characters (NUL above all) cannot be stored as a user's subject: refuse them here, not as a 500 later.
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255 || /[\u0000-\u001f\u007f]/.test(subject)) {
      throw new UnauthorizedError('Token has no usable subject');
    }
    return { subject, roles: rolesOf(payload.roles) };
  }
}

/**
 * The `roles` claim: an array of strings, or one space-separated string (as some identity providers write
 * scopes). Anything else means no roles. Bounded, so a token cannot make us carry a megabyte of roles around.
 */
function rolesOf(claim: unknown): string[] {
  const raw: unknown[] = typeof claim === 'string' ? claim.split(/\s+/) : Array.isArray(claim) ? claim : [];
  return raw.filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length <= 64).slice(0, 32);
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'Token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `Token claim "${error.claim}" is not valid`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'Token signature is not valid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'Token algorithm is not accepted';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'Token signed by an unknown key';
  if (error instanceof joseErrors.JOSEError) return `Token rejected (${error.code})`;
  return 'Token could not be verified';
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export interface DevTokenOptions {
  secret: string;
  subject: string;
  roles?: string[];
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}

/** Mints an HS256 development token (dev login endpoint and `npm run token`). */
export async function signDevToken(options: DevTokenOptions): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = new Date((now + options.ttlSeconds) * 1000);
  let jwt = new SignJWT({ roles: options.roles ?? [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return { token: await jwt.sign(new TextEncoder().encode(options.secret)), expiresAt };
}
