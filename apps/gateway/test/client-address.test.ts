import type { IncomingMessage } from 'node:http';
import { addressKey, clientAddress, compileTrustProxy } from '../src/security/client-address.js';

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress },
    connection: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('client address behind proxies (TRUST_PROXY)', () => {
  it('ignores X-Forwarded-For unless a proxy is trusted: clients cannot pick their own address', () => {
    expect(clientAddress(request('203.0.113.7', '1.2.3.4'), compileTrustProxy(false))).toBe('203.0.113.7');
  });

  it('believes exactly as many hops as configured', () => {
    const req = request('10.0.0.2', '6.6.6.6, 198.51.100.9, 10.0.0.1');
    expect(clientAddress(req, compileTrustProxy(1))).toBe('10.0.0.1');
    expect(clientAddress(req, compileTrustProxy(2))).toBe('198.51.100.9');
  });

  it('believes only the named proxies, and stops at the first untrusted hop', () => {
    const trust = compileTrustProxy(['loopback', '10.0.0.0/8']);
    expect(clientAddress(request('127.0.0.1', '198.51.100.9'), trust)).toBe('198.51.100.9');
    // A forged entry before a real client address is never reached: the client is the first untrusted hop.
    expect(clientAddress(request('10.1.2.3', '6.6.6.6, 198.51.100.9'), trust)).toBe('198.51.100.9');
    // A request straight from the internet is its own client, whatever it claims.
    expect(clientAddress(request('203.0.113.7', '1.2.3.4'), trust)).toBe('203.0.113.7');
  });
});

describe('addressKey (the rate-limit key of an address)', () => {
  it('keys IPv4 (and IPv4-mapped IPv6) by address', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys IPv6 by its /64, so one subscriber cannot rotate through 2^64 addresses for fresh budgets', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('leaves anything else alone', () => {
    expect(addressKey('unknown')).toBe('unknown');
  });
});
