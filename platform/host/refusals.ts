import { problem, problemMediaType, secureHeaders } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';

/** A refusal answered below the app, where no route, log line or metric sees the request. */
export interface Refusal {
  status: number;
  code: string;
  detail: string;
}

/**
 * The answer to a request refused below the app: an RFC 9457 problem with its own request id and the headers every
 * answer carries, and `Connection: close` (a client that sent it may not frame its next request right either).
 */
export function refusalAnswer(refusal: Refusal, log: Logger | undefined, reason: string | undefined) {
  const requestId = crypto.randomUUID();
  const { status, code, detail } = refusal;
  log?.debug({ requestId, code, reason }, 'request refused before the app');
  const body = JSON.stringify(problem({ status, code, detail, requestId }));
  const headers: Record<string, string> = {
    ...secureHeaders,
    'x-request-id': requestId,
    'content-type': problemMediaType,
    'content-length': String(new TextEncoder().encode(body).byteLength),
    connection: 'close',
  };
  return { status, title: problem({ status, code }).title, headers, body };
}

/** The refusal as a Web response, for @hono/node-server's `errorHandler`. */
export function refusalResponse(refusal: Refusal, log: Logger | undefined, reason?: string): Response {
  const { status, headers, body } = refusalAnswer(refusal, log, reason);
  return new Response(body, { status, headers });
}

/** CONNECT asks for a tunnel, which only a proxy opens (RFC 9110 §9.3.6). */
export function connectRefusal(target: string | undefined): Refusal {
  const detail = `CONNECT asks for a tunnel to ${target || 'a host'}; this server is not a proxy and opens none.`;
  return { status: 501, code: 'http/method-not-implemented', detail };
}

/** A path segment that is `.` or `..`, spelled out or percent-encoded (`%2e`, RFC 3986 §2.3). */
const dotSegment = /(?:^|\/)(?:\.|%2e){1,2}(?=[/?#]|$)/i;

/**
 * A request target whose path has a dot segment (`/a/../b`, `/a/%2e%2e/b`, `/./b`): clients remove dot segments before
 * sending (RFC 3986 §5.2.4), and a server that resolved them would read another path than a proxy or gateway in front
 * did (Node's URL parsing resolves them, Deno's routing would not): refused on both, the same way. `target` is the
 * request line's target (Node) or the request's URL (Deno); a query is not a path.
 */
export function dotSegmentRefusal(target: string): Refusal | undefined {
  // Most paths have neither a dot nor a percent sign: one pass each, no regular expression.
  if (!target.includes('.') && !target.includes('%')) return undefined;
  const query = target.indexOf('?');
  if (!dotSegment.test(query < 0 ? target : target.slice(0, query))) return undefined;
  return {
    status: 400,
    code: 'http/malformed-request',
    detail: 'The path has a "." or ".." segment (or one percent-encoded as %2e); send the path it stands for: it is not resolved here.',
  };
}

/** An `Expect` other than `100-continue`, the only expectation this server meets (RFC 9110 §10.1.1). */
export function expectationRefusal(): Refusal {
  return {
    status: 417,
    code: 'http/expectation-failed',
    detail: 'The request carries an Expect header this server cannot meet: only 100-continue is understood.',
  };
}

/**
 * A `Transfer-Encoding` naming a coding other than `chunked` (`gzip, chunked`, or `foo` on a line of its own): 501
 * (RFC 9112 §6.1). Node and Deno take the chunking off and would hand the app bytes still in the other coding.
 */
export function transferCodingRefusal(codings: string | null | undefined): Refusal | undefined {
  if (codings === undefined || codings === null || codings.toLowerCase() === 'chunked') return undefined;
  const others = codings
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding.toLowerCase() !== 'chunked');
  if (others.length === 0) return undefined;
  return {
    status: 501,
    code: 'http/transfer-coding-not-implemented',
    detail: `The request's Transfer-Encoding names ${others.map((coding) => `"${coding}"`).join(', ')}; only chunked is understood.`,
  };
}
