import { createHmac } from 'node:crypto';
import { newWebhookSecret, signatureHeader, verifySignature } from '../src/signing.js';

describe('webhook signatures', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({ id: 'evt-1', type: 'webhook.ping', createdAt: '2026-12-03T00:00:00.000Z', data: {} });

  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as documented for receivers', () => {
    const header = signatureHeader(secret, body, 1_780_000_000);
    const expected = createHmac('sha256', secret).update(`1780000000.${body}`).digest('hex');
    expect(header).toBe(`t=1780000000,v1=${expected}`);
  });

  it('verifies a fresh signature and refuses changed bodies, other secrets, old or malformed headers', () => {
    const now = 1_780_000_000;
    const header = signatureHeader(secret, body, now);
    expect(verifySignature(secret, header, body, { now })).toBe(true);
    expect(verifySignature(secret, header, `${body} `, { now })).toBe(false);
    expect(verifySignature(newWebhookSecret(), header, body, { now })).toBe(false);
    expect(verifySignature(secret, header, body, { now: now + 301 })).toBe(false);
    expect(verifySignature(secret, header, body, { now: now + 301, toleranceSeconds: 600 })).toBe(true);
    expect(verifySignature(secret, 'v1=abc', body, { now })).toBe(false);
    expect(verifySignature(secret, `t=${now},v1=zz`, body, { now })).toBe(false);
  });

  it('makes distinct, unguessable secrets', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => newWebhookSecret()));
    expect(secrets.size).toBe(100);
    for (const s of secrets) expect(s).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });
});
