import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import proxyaddr from 'proxy-addr';

/** Express's "trust proxy" function: may the hop-th address (0 = the TCP peer) be believed about the one before it? */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * Compiles TRUST_PROXY exactly as express does, so `req.ip` (HTTP) and `clientAddress` (WebSocket upgrades,
 * which never reach express) agree. `false`: the TCP peer is the client and X-Forwarded-For is ignored.
 */
export function compileTrustProxy(setting: false | number | string[]): TrustProxy {
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting);
}

/** The client's address: the TCP peer, or the nearest X-Forwarded-For entry not written by a trusted proxy. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  // A socket that is already gone has no address; such a request fails on its own, the limiter needs a key.
  if (!req.socket.remoteAddress) return 'unknown';
  return proxyaddr(req, trust);
}

/**
 * The rate-limit key of an address: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64 — one subscriber
 * usually holds a whole /64, so keying single IPv6 addresses would hand an attacker 2^64 fresh budgets.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare) || bare.includes('.')) return address;
  const [head = '', tail] = bare.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
