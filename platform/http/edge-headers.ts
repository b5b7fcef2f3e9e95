/**
 * Hono's `secureHeaders` defaults: every Cleave response carries them, problems, 404s and HEAD answers included.
 * Constant, so they are built once; the bench's Fastify peer sends the same list (`bench/peers/secure-headers.ts`).
 */
export const secureHeaders: Readonly<Record<string, string>> = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/**
 * Where a server adapter takes the edge's response headers (the secure headers and the request id) to write them
 * with the response head itself, so they never pass through Web `Headers` (WebIDL checks on every `set`, then a
 * copy into Node's own header list). The response's own headers of the same name win, as they would over
 * `c.header()` set earlier. Without a sink (Deno, `app.request`, in-process calls) the edge sets them on the context.
 */
export interface EdgeHeaderSink {
  /** Each record's headers are added in turn; set by the edge once per request, read when the head is written. */
  edgeHeaders: readonly Readonly<Record<string, string>>[] | undefined;
}

/** What a server adapter passes to `app.fetch` as its environment (`c.env`). */
export interface EdgeBindings {
  headerSink?: EdgeHeaderSink;
  /** The socket peer's IP address; absent for requests that came over no socket (see `peerAddress`). */
  remoteAddress?: string;
}
