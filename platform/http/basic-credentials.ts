/** What an `Authorization` header holds, as far as HTTP Basic is concerned (see `basicCredentials`). */
export type BasicCredentials =
  | { kind: 'none' }
  /** Another scheme (`Bearer …`). */
  | { kind: 'other-scheme' }
  /** `Basic` with something that is not canonical base64 of UTF-8 text with a colon. */
  | { kind: 'malformed' }
  | { kind: 'basic'; user: string; password: string };

const basicHeader = /^Basic +([A-Za-z0-9+/]+=*)$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an `Authorization: Basic` header (RFC 7617) strictly: the scheme in any case, spaces, then base64 as RFC
 * 4648 §4 writes it (padded, nothing after the padding, unused bits zero), of UTF-8 text with a colon between user
 * and password. Every reader of the header goes through this one function, so a header that one of them refuses no
 * other accepts: the credential rate limit counts exactly the accounts that authentication then checks (a lenient
 * decoder behind a strict counter lets `…MQ=` through uncounted).
 */
export function basicCredentials(authorization: string | undefined): BasicCredentials {
  if (authorization === undefined) return { kind: 'none' };
  const encoded = basicHeader.exec(authorization)?.[1];
  if (encoded === undefined) return /^Basic(\s|$)/i.test(authorization) ? { kind: 'malformed' } : { kind: 'other-scheme' };
  let text: string;
  try {
    const binary = atob(encoded);
    // atob also takes base64 with its padding missing or its last bits set: only the canonical form is read.
    if (btoa(binary) !== encoded) return { kind: 'malformed' };
    text = utf8.decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return { kind: 'malformed' };
  }
  const colon = text.indexOf(':');
  return colon < 0 ? { kind: 'malformed' } : { kind: 'basic', user: text.slice(0, colon), password: text.slice(colon + 1) };
}
