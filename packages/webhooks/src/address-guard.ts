import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { NetraError } from '@netra/contracts';

/**
 * Server-side request forgery: a webhook URL is chosen by a user, and the worker that delivers it sits inside the
 * network. Every address a delivery could reach is checked — when the webhook is saved, and again at connect time
 * through the socket's own DNS lookup (so a name that re-resolves to an inside address between the two is still
 * refused: no DNS rebinding).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT (and Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (and AWS' IPv6 metadata fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of any IPv4 address (could reach an inside one)
  ['2002::', 16], // 6to4, same
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True when `address` (an IP literal) is loopback, private, link-local, metadata or otherwise not public. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    // IPv4-mapped (::ffff:10.0.0.1) and IPv4-compatible forms: judge the IPv4 address inside.
    const mapped = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hexMapped?.[1] && hexMapped[2]) {
      const hi = parseInt(hexMapped[1], 16);
      const lo = parseInt(hexMapped[2], 16);
      return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
    }
    return blocked.check(address, 'ipv6');
  }
  return true; // not an IP address at all: refuse rather than guess
}

/** A webhook URL that may not be called: it resolves to an address inside the network, or does not resolve. */
export class WebhookAddressError extends NetraError {
  constructor(message: string, details?: unknown) {
    super('invalid_message', message, { details });
  }
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/**
 * Checks, when a webhook is saved, that its URL can be delivered to: the host resolves, and (unless
 * `allowPrivate`) to public addresses only. Throws WebhookAddressError naming the reason.
 */
export async function assertDeliverableUrl(url: string, allowPrivate: boolean): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await resolveAll(host)).map((a) => a.address);
    } catch (error) {
      throw new WebhookAddressError(`The webhook host ${host} does not resolve`, { host, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  if (allowPrivate) return;
  const forbidden = addresses.filter(isForbiddenAddress);
  if (forbidden.length > 0) {
    throw new WebhookAddressError(
      `The webhook URL resolves to a loopback, private, link-local or metadata address (${forbidden[0]}); such URLs are refused unless WEBHOOK_ALLOW_PRIVATE=true`,
      { host, addresses: forbidden },
    );
  }
}

/**
 * A `lookup` for `http.request` that refuses forbidden addresses at connect time (the address the socket will
 * really use, after any DNS change since the webhook was saved).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => !isForbiddenAddress(a.address));
      if (usable.length === 0) {
        const refused = new WebhookAddressError(`${hostname} resolves only to addresses that webhooks may not reach (${list.map((a) => a.address).join(', ')})`);
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return callback(null, usable);
      const first = usable[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
