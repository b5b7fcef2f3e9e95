import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './app-env.ts';
import { clientAddress } from './client-address.ts';
import { canonicalAddress, ipRanges, isIpRange } from './ip-ranges.ts';

describe('ipRanges', () => {
  it('matches IPv4 and IPv6 addresses and CIDR ranges, IPv4-mapped IPv6 as IPv4', () => {
    const ranges = ipRanges(['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1']);
    for (const inside of ['10.1.2.3', '192.0.2.7', '::ffff:10.9.9.9', 'fd12:3456::1', '::1', '0:0:0:0:0:0:0:1']) expect(ranges.has(inside), inside).toBe(true);
    for (const outside of ['11.0.0.1', '192.0.2.8', 'fe80::1', '::2', 'not-an-ip', '']) expect(ranges.has(outside), outside).toBe(false);
  });

  it('parses prefixes at byte and bit boundaries', () => {
    expect(ipRanges(['172.16.0.0/12']).has('172.31.255.255')).toBe(true);
    expect(ipRanges(['172.16.0.0/12']).has('172.32.0.0')).toBe(false);
    expect(ipRanges(['0.0.0.0/0']).has('203.0.113.1')).toBe(true);
    expect(ipRanges(['2001:db8::/33']).has('2001:db8:7fff::1')).toBe(true);
    expect(ipRanges(['2001:db8::/33']).has('2001:db8:8000::1')).toBe(false);
  });

  it('refuses what is not an address or range', () => {
    for (const bad of ['10.0.0.0/33', '::/129', '256.0.0.1', '1.2.3', '1::2::3', '10.0.0.0/8/1', 'example.com', '01.2.3.4'])
      expect(isIpRange(bad), bad).toBe(false);
    expect(() => ipRanges(['10.0.0.0/8', 'nope'])).toThrow('"nope" is not an IP address or CIDR range');
  });

  it('canonical forms: one host, one key', () => {
    expect(canonicalAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(canonicalAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(canonicalAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalAddress('::')).toBe('::');
    expect(canonicalAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalAddress('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonicalAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(canonicalAddress('garbage')).toBeUndefined();
  });
});

describe('clientAddress', () => {
  function seen(trusted: string[]) {
    const app = new Hono<AppEnv>();
    app.get('/', (c) => c.text(clientAddress(c, ipRanges(trusted)) ?? 'none'));
    return async (peer: string | undefined, headers: Record<string, string> = {}) =>
      (await app.request('/', { headers }, peer === undefined ? undefined : { remoteAddress: peer })).text();
  }

  it('is the socket peer when no proxy is trusted; a spoofed X-Forwarded-For is ignored', async () => {
    const address = seen([]);
    expect(await address('203.0.113.9')).toBe('203.0.113.9');
    expect(await address('203.0.113.9', { 'x-forwarded-for': '198.51.100.1', forwarded: 'for=198.51.100.2' })).toBe('203.0.113.9');
    expect(await address('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('a peer that is not a trusted proxy is the client even when other proxies are trusted', async () => {
    expect(await seen(['10.0.0.0/8'])('203.0.113.9', { 'x-forwarded-for': '10.0.0.5' })).toBe('203.0.113.9');
  });

  it('through a trusted proxy: the right-most untrusted X-Forwarded-For entry; what the client wrote further left is ignored', async () => {
    const address = seen(['10.0.0.0/8', 'fd00::/8']);
    // The client sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the peer it saw.
    expect(await address('10.0.0.2', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9' })).toBe('203.0.113.9');
    // Two trusted proxies in a row, one of them IPv6.
    expect(await address('10.0.0.2', { 'x-forwarded-for': '1.1.1.1, 2001:db8::7, fd00::3' })).toBe('2001:db8::7');
    // Ports and brackets some proxies add.
    expect(await address('10.0.0.2', { 'x-forwarded-for': '203.0.113.9:4711' })).toBe('203.0.113.9');
    expect(await address('10.0.0.2', { 'x-forwarded-for': '[2001:db8::7]:4711' })).toBe('2001:db8::7');
  });

  it('through a trusted proxy without a usable entry: the last trusted hop', async () => {
    const address = seen(['10.0.0.0/8']);
    expect(await address('10.0.0.2')).toBe('10.0.0.2');
    expect(await address('10.0.0.2', { 'x-forwarded-for': '203.0.113.9, unknown' })).toBe('10.0.0.2');
    expect(await address('10.0.0.2', { 'x-forwarded-for': '10.0.0.1' })).toBe('10.0.0.1');
    // Forwarded is not read: a proxy appending only X-Forwarded-For would pass a client's Forwarded on as it came.
    expect(await address('10.0.0.2', { forwarded: 'for=198.51.100.2' })).toBe('10.0.0.2');
  });

  it('is undefined for a request that came over no socket', async () => {
    expect(await seen([])(undefined, { 'x-forwarded-for': '203.0.113.9' })).toBe('none');
  });
});
