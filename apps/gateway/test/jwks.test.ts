import { UnauthorizedError } from '@netra/contracts';
import { TokenVerifier } from '../src/auth/tokens.js';
import { FakeIdp, mint, nowSeconds as now, signingKey, type Claims, type SigningKey } from '../../../test/support/idp.js';

const token = (key: SigningKey, claims: Claims = {}) => mint(key, claims);

async function refusal(verifier: TokenVerifier, jwt: string): Promise<string> {
  const error = await verifier.verify(jwt).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UnauthorizedError);
  return (error as Error).message;
}

describe('TokenVerifier with a JWKS (RS256/ES256 from an identity provider)', () => {
  const idp = new FakeIdp();
  let url: string;
  let k1: SigningKey;
  let k2: SigningKey;

  beforeAll(async () => {
    url = await idp.start();
    [k1, k2] = await Promise.all([signingKey('k1', 'RS256'), signingKey('k2', 'ES256')]);
  });
  afterAll(() => idp.stop());

  it('verifies with the published key, caches the set, and picks up a rotated key after the cooldown', async () => {
    idp.keys = [k1.jwk];
    idp.fetches = 0;
    const verifier = new TokenVerifier({ jwksUrl: url, jwksCooldownMs: 300 });
    await expect(verifier.verify(await token(k1, { roles: ['admin'] }))).resolves.toEqual({ subject: 'idp-user', roles: ['admin'] });
    await verifier.verify(await token(k1));
    expect(idp.fetches).toBe(1); // cached

    // The IdP rotates: k2 is published, k1 retired.
    idp.keys = [k2.jwk];
    // Within the cooldown an unknown kid does not refetch (forged kids cannot make us hammer the IdP)…
    expect(await refusal(verifier, await token(k2))).toMatch(/unknown key/);
    expect(idp.fetches).toBe(1);
    // …after it, the new key is fetched and used.
    await new Promise((r) => setTimeout(r, 350));
    await expect(verifier.verify(await token(k2, { sub: 'rotated' }))).resolves.toMatchObject({ subject: 'rotated' });
    expect(idp.fetches).toBe(2);
  });

  it('refuses a token signed by a key the IdP does not publish, even with a known kid', async () => {
    idp.keys = [k1.jwk];
    const verifier = new TokenVerifier({ jwksUrl: url, jwksCooldownMs: 0 });
    const attacker = await signingKey('k1', 'RS256');
    expect(await refusal(verifier, await token(attacker))).toMatch(/signature/);
  });

  it('refuses HS256 tokens "signed" with the public key (HS/RS confusion), with or without a shared secret', async () => {
    idp.keys = [k1.jwk];
    const confused = await mint({ hmacKey: new TextEncoder().encode(k1.publicPem) }, { sub: 'mallory' }, { kid: 'k1' });
    expect(await refusal(new TokenVerifier({ jwksUrl: url }), confused)).toMatch(/HS256 is not accepted/);
    expect(await refusal(new TokenVerifier({ jwksUrl: url, secret: 's'.repeat(40) }), confused)).toMatch(/signature/);
  });

  it('allows at most 30 s of clock skew on exp and nbf', async () => {
    idp.keys = [k1.jwk];
    const verifier = new TokenVerifier({ jwksUrl: url, clockToleranceSeconds: 300 }); // capped to 30
    await expect(verifier.verify(await token(k1, { exp: now() - 20 }))).resolves.toBeDefined();
    await expect(verifier.verify(await token(k1, { nbf: now() + 20 }))).resolves.toBeDefined();
    expect(await refusal(verifier, await token(k1, { exp: now() - 45 }))).toMatch(/expired/);
    expect(await refusal(verifier, await token(k1, { nbf: now() + 45 }))).toMatch(/nbf/);
  });

  it('reads roles as an array or a space-separated string, and ignores anything else', async () => {
    idp.keys = [k1.jwk];
    const verifier = new TokenVerifier({ jwksUrl: url });
    await expect(verifier.verify(await token(k1, { roles: 'admin auditor' }))).resolves.toMatchObject({ roles: ['admin', 'auditor'] });
    await expect(verifier.verify(await token(k1, { roles: ['admin', 7, { admin: true }] }))).resolves.toMatchObject({ roles: ['admin'] });
    await expect(verifier.verify(await token(k1, { roles: { admin: true } }))).resolves.toMatchObject({ roles: [] });
  });
});
