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

/** What the server knows of a request's arrival that the app cannot see from the request itself. */
export interface EdgeArrival {
  /**
   * Set when the server stopped waiting for the rest of the request (Node's request timeout, `REQUEST_TIMEOUT_MS`)
   * and answered 408 on the connection itself: a body read that fails afterwards failed for that reason.
   */
  timedOut: boolean;
}

/** What a server adapter passes to `app.fetch` as its environment (`c.env`). */
export interface EdgeBindings {
  headerSink?: EdgeHeaderSink;
  /** The socket peer's IP address; absent for requests that came over no socket (see `peerAddress`). */
  remoteAddress?: string;
  arrival?: EdgeArrival;
  /**
   * The method the client sent, when the adapter dispatched the request as another: a HEAD answered as the GET it
   * mirrors (Deno, so that its `Content-Length` is the GET's, RFC 9110 §8.6). What the access line and the span say.
   */
  method?: string;
}

/**
 * What to answer for a request body that could not be read to its end: the 408 the server already sent when it gave
 * up waiting for the body (so the access line and the metrics say what the client saw), else a 400 with `code`
 * (the client broke off, or sent a broken chunked encoding).
 */
export function unreadBodyProblem(c: { env: unknown }, code: string): { status: 400 | 408; code: string; detail: string } {
  return (c.env as EdgeBindings | undefined)?.arrival?.timedOut
    ? { status: 408, code: 'http/request-timeout', detail: 'The request did not arrive in time.' }
    : { status: 400, code, detail: 'The request body could not be read to its end.' };
}
