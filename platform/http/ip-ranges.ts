/**
 * IP addresses and CIDR ranges, IPv4 and IPv6, as plain TypeScript (no `node:net`, so it runs on Deno too). An
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.7`, what a dual-stack Node socket reports) counts as its IPv4 address.
 */

/** An address as 16 bytes (IPv4 in its IPv4-mapped form), or undefined when `text` is not an IP address. */
function addressBytes(text: string): Uint8Array | undefined {
  const v4 = ipv4Bytes(text);
  if (v4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  return ipv6Bytes(text);
}

function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  // A zone (`fe80::1%eth0`) names an interface, not a host: dropped.
  const bare = text.replace(/%[\w.-]+$/, '');
  if (!/^[\da-f:.]+$/i.test(bare) || bare.split('::').length > 2) return undefined;
  const [head = '', tail] = bare.split('::') as [string, string | undefined];
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      const v4 = i === pieces.length - 1 && piece.includes('.') ? ipv4Bytes(piece) : undefined;
      if (v4) out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      else if (/^[\da-f]{1,4}$/i.test(piece)) out.push(Number.parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

/** Whether `text` is an IPv4 or IPv6 address. */
export function isIpAddress(text: string): boolean {
  return addressBytes(text) !== undefined;
}

/**
 * The address in a canonical text form, so one host is one rate-limit key: IPv4 dotted (also for IPv4-mapped IPv6),
 * IPv6 as RFC 5952 recommends (lower case, zeros compressed). Undefined when `text` is not an IP address.
 */
export function canonicalAddress(text: string): string | undefined {
  const bytes = addressBytes(text);
  if (!bytes) return undefined;
  if (isMapped(bytes)) return bytes.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952 §4.2: the longest run of two or more zero groups (the first of equals) becomes `::`.
  let [start, length] = [-1, 0];
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > length && j - i >= 2) [start, length] = [i, j - i];
    i = j;
  }
  const hex = (part: number[]) => part.map((g) => g.toString(16)).join(':');
  return start < 0 ? hex(groups) : `${hex(groups.slice(0, start))}::${hex(groups.slice(start + length))}`;
}

function isMapped(bytes: Uint8Array): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** A set of addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`). */
export interface IpRanges {
  has(address: string): boolean;
}

/**
 * Parses `entries` (each an address or `address/prefix`); throws naming the first that is neither.
 *
 * @example
 * ipRanges(['10.0.0.0/8', '::1']).has('10.1.2.3'); // true
 */
export function ipRanges(entries: readonly string[]): IpRanges {
  const ranges = entries.map((entry) => {
    const range = parseRange(entry);
    if (!range) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    return range;
  });
  // Clients send many requests from one address: each address is looked up once (the answers kept, bounded).
  const answers = new Map<string, boolean>();
  return {
    has(address) {
      if (ranges.length === 0) return false;
      let answer = answers.get(address);
      if (answer === undefined) {
        const bytes = addressBytes(address);
        answer = bytes !== undefined && ranges.some((r) => inRange(bytes, r));
        if (answers.size >= maxRemembered) answers.clear();
        answers.set(address, answer);
      }
      return answer;
    },
  };
}

const maxRemembered = 10_000;

/** Whether `entry` is an IP address or CIDR range. */
export function isIpRange(entry: string): boolean {
  return parseRange(entry) !== undefined;
}

interface Range {
  bytes: Uint8Array;
  /** Prefix length over the 16-byte form (an IPv4 /8 is /104). */
  bits: number;
}

function parseRange(entry: string): Range | undefined {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const bytes = addressBytes(address);
  if (!bytes || rest.length > 0) return undefined;
  const v4 = ipv4Bytes(address) !== undefined;
  const max = v4 ? 32 : 128;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return undefined;
  const length = prefix === undefined ? max : Number(prefix);
  if (length > max) return undefined;
  return { bytes, bits: v4 ? length + 96 : length };
}

function inRange(address: Uint8Array, range: Range): boolean {
  let bits = range.bits;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}
