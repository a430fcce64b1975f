import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { UnauthorizedError } from '@netra/contracts';
import { bearerToken, signDevToken, TokenVerifier } from '../src/auth/tokens.js';

const secret = 'unit-test-secret-0123456789abcdef0123456789';
const key = new TextEncoder().encode(secret);
const now = () => Math.floor(Date.now() / 1000);

describe('TokenVerifier', () => {
  const verifier = new TokenVerifier({ secret, issuer: 'netra-test', audience: 'netra' });

  it('accepts a dev token and returns subject and roles', async () => {
    const { token } = await signDevToken({ secret, subject: 'alice', roles: ['admin'], ttlSeconds: 60, issuer: 'netra-test', audience: 'netra' });
    await expect(verifier.verify(token)).resolves.toEqual({ subject: 'alice', roles: ['admin'] });
  });

  it.each([
    ['expired', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('netra-test').setAudience('netra').setExpirationTime(now() - 120).sign(key), /expired/],
    ['without exp', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('netra-test').setAudience('netra').sign(key), /exp/],
    ['without sub', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('netra-test').setAudience('netra').setExpirationTime(now() + 60).sign(key), /sub/],
    ['from another issuer', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('evil').setAudience('netra').setExpirationTime(now() + 60).sign(key), /iss/],
    ['for another audience', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('netra-test').setAudience('other').setExpirationTime(now() + 60).sign(key), /aud/],
    ['not yet valid', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('netra-test').setAudience('netra').setNotBefore(now() + 600).setExpirationTime(now() + 900).sign(key), /nbf/],
    ['with a wrong signature', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('netra-test').setAudience('netra').setExpirationTime(now() + 60).sign(new TextEncoder().encode('x'.repeat(40))), /signature/],
    ['with alg none', async () => new UnsecuredJWT({ sub: 'a', iss: 'netra-test', aud: 'netra', exp: now() + 60 }).encode(), /not accepted/],
    ['that is garbage', async () => 'a.b.c', /Malformed|rejected|verified/],
  ])('rejects a token %s with a typed unauthorized error', async (_name, make, message) => {
    const token = await make();
    const error = await verifier.verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses an RS256 token when only a shared secret is configured (no key confusion)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const rsa = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('a').setIssuer('netra-test').setAudience('netra').setExpirationTime(now() + 60).sign(privateKey);
    await expect(verifier.verify(rsa)).rejects.toThrow(/not accepted/);
    // …and an HS256 token "signed" with the public key as the secret is just a wrong signature.
    const jwk = await exportJWK(publicKey);
    const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('netra-test').setAudience('netra').setExpirationTime(now() + 60).sign(new TextEncoder().encode(JSON.stringify(jwk)));
    await expect(verifier.verify(confused)).rejects.toThrow(UnauthorizedError);
  });
});

describe('bearerToken', () => {
  it('reads only a well-formed Bearer header', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
