import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import type { EdgeBindings } from './edge-headers.ts';
import { canonicalAddress, type IpRanges } from './ip-ranges.ts';

/**
 * The address of the socket the request came on, as the server adapter passed it (`EdgeBindings.remoteAddress`),
 * in canonical form. Undefined when the request came over no socket: `app.request()` in tests, and the calls a host
 * sends its own app in-process (a local module reached through HTTP routing).
 */
export function peerAddress(c: Context<AppEnv>): string | undefined {
  const given = (c.env as EdgeBindings | undefined)?.remoteAddress;
  if (given === undefined) return undefined;
  // A client sends many requests (keep-alive, and again later): its address is parsed once, not per request.
  let canonical = canonicalPeers.get(given);
  if (canonical === undefined) {
    canonical = canonicalAddress(given) ?? '';
    if (canonicalPeers.size >= maxRemembered) canonicalPeers.clear();
    canonicalPeers.set(given, canonical);
  }
  return canonical === '' ? undefined : canonical;
}

const canonicalPeers = new Map<string, string>();
const maxRemembered = 10_000;

/**
 * The client's IP address: the socket peer, unless the peer is one of `trustedProxies`. Then `X-Forwarded-For` is
 * read from the right, each entry having been appended by the hop to its right, and the first address that is not
 * a trusted proxy is the client; what a client wrote into the header itself sits further left and is never
 * reached. `Forwarded` is not read: a proxy that appends only to `X-Forwarded-For` would pass a client's
 * `Forwarded` on untouched, so trusting both would let a client choose. An entry that is no IP address
 * (`unknown`, an obfuscated name) ends the walk at the trusted hop that wrote it.
 *
 * Undefined when the request came over no socket (see `peerAddress`).
 *
 * @example
 * // Peer 10.0.0.2 (trusted), X-Forwarded-For: 6.6.6.6, 203.0.113.9  →  203.0.113.9 (6.6.6.6 was the client's own)
 * clientAddress(c, ipRanges(['10.0.0.0/8']));
 */
export function clientAddress(c: Context<AppEnv>, trustedProxies: IpRanges): string | undefined {
  const peer = peerAddress(c);
  if (peer === undefined || !trustedProxies.has(peer)) return peer;
  const chain = (c.req.header('x-forwarded-for') ?? '').split(',');
  let client = peer;
  for (let i = chain.length - 1; i >= 0; i--) {
    const entry = chain[i]?.trim() ?? '';
    if (entry === '') continue;
    const hop = canonicalAddress(withoutPort(entry));
    if (hop === undefined) return client;
    client = hop;
    if (!trustedProxies.has(hop)) return hop;
  }
  return client;
}

/** `203.0.113.9:4711` and `[2001:db8::1]:4711` (some proxies add the port) to the address alone. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed?.[1]) return bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4WithPort?.[1] ?? entry;
}
