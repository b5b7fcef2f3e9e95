import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RequestError } from '@hono/node-server';
import type { Logger } from '../observability/index.ts';
import { EdgeServerResponse } from './node-response.ts';
import { release } from './node-write-batch.ts';
import { connectRefusal, dotSegmentRefusal, expectationRefusal, refusalAnswer, refusalResponse, transferCodingRefusal, type Refusal } from './refusals.ts';

/** How long a closing connection waits for the rest of a request body it will not read, with no byte arriving. */
const idleDrainMs = 5_000;
/** How much of an unread body a closing connection swallows before it gives up on the client. */
const maxDrainBytes = 64 * 1024 * 1024;

/**
 * For a response sent before its request body arrived (413, 415, 404 on a POST...): the response says
 * `Connection: close`, and the socket is closed only once the client has finished sending, so that it reads the
 * answer instead of a reset. Node (and @hono/node-server's 500 ms drain) would otherwise end the socket while the
 * client still writes; a client that sends its whole body before reading then gets ECONNRESET, and a keep-alive
 * pool reuses a socket the server is about to drop.
 */
export function closeAfterBody(incoming: IncomingMessage, response: Response): Response {
  if (incoming.complete || incoming.method === 'GET' || incoming.method === 'HEAD') return response;
  const socket = incoming.socket as Socket & { destroySoon?: () => void };
  const original = socket.destroySoon?.bind(socket);
  let waiting = false;
  socket.destroySoon = () => {
    if (waiting) return;
    waiting = true;
    const startedAt = socket.bytesRead;
    const finish = () => {
      clearTimeout(idle);
      socket.off('data', onData);
      incoming.off('end', finish);
      incoming.off('close', finish);
      if (original) original();
      else socket.end();
    };
    let idle = setTimeout(finish, idleDrainMs);
    const onData = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, idleDrainMs);
      if (socket.bytesRead - startedAt > maxDrainBytes) finish();
    };
    if (incoming.complete) return finish();
    socket.on('data', onData);
    incoming.once('end', finish);
    incoming.once('close', finish);
    // Nobody else reads it once the response is out: discard what still comes.
    incoming.resume();
  };
  try {
    response.headers.set('connection', 'close');
    return response;
  } catch {
    // A response passed through from fetch has immutable headers.
    const headers = new Headers(response.headers);
    headers.set('connection', 'close');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

interface ParserError extends Error {
  code?: string;
  reason?: string;
}

/** Writes a refusal straight to a socket that has no response object (parser errors, CONNECT). */
function writeRefusal(socket: Socket, refusal: Refusal, log: Logger | undefined, reason: string | undefined): void {
  const { status, title, headers, body } = refusalAnswer(refusal, log, reason);
  const head = Object.entries({ ...headers, date: new Date().toUTCString() })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${title}\r\n${head}\r\n${body}`);
  // The client reads the answer and closes; one that does not (a client stalling on purpose) loses the connection.
  const abandon = setTimeout(() => socket.destroy(), idleDrainMs);
  socket.once('close', () => clearTimeout(abandon));
}

/** The problem for a request Node's HTTP parser refused before the app saw it. */
function parserProblem(error: ParserError): Refusal {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, code: 'http/headers-too-large', detail: 'The request line and headers are larger than this server accepts (16 KiB).' };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'http/request-timeout', detail: 'The request did not arrive in time.' };
  const reason = error.reason ?? error.message.replace(/^Parse Error:\s*/, '');
  return { status: 400, code: 'http/malformed-request', detail: `The request is not valid HTTP/1.1: ${reason}.` };
}

/**
 * Node's `clientError`: a request that never reached the app (CRLF in a header, bad chunking, headers too large)
 * gets an RFC 9457 problem where a response can still be written, then the connection closes.
 */
export function clientErrorHandler(log: Logger | undefined) {
  return (error: ParserError, socket: Socket & { _httpMessage?: { headersSent?: boolean; writableEnded?: boolean } }) => {
    const answer = socket._httpMessage;
    if (answer?.headersSent && answer.writableEnded && socket.writable && error.code !== 'ECONNRESET') {
      // Answered from the headers alone before the parser failed on what followed them (a transfer coding other than
      // chunked: the 501 goes out, then llhttp refuses the body it cannot frame): the answer is sent, then the
      // connection closes. Destroying the socket would drop the answer still held in its buffer.
      release(socket);
      socket.end();
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable || answer?.headersSent) {
      socket.destroy();
      return;
    }
    // A request the app is still reading (its body late): the app's read fails once the connection closes, and it
    // answers (and logs and counts) the same 408 the client gets here, not a 400 for a body that broke off.
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && answer instanceof EdgeServerResponse) answer.timedOut = true;
    writeRefusal(socket, parserProblem(error), log, error.code);
  };
}

/**
 * Node's `connect` event: a CONNECT request asks for a tunnel, which only a proxy opens. Without a listener Node
 * drops the connection without a word; this one answers 501 and closes.
 */
export function connectHandler(log: Logger | undefined) {
  return (request: IncomingMessage, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    writeRefusal(socket, connectRefusal(request.url), log, 'CONNECT');
  };
}

/**
 * Node's `checkExpectation` event: an `Expect` other than `100-continue`. Without a listener Node answers a bare 417
 * with no body and none of the headers every answer carries.
 */
export function expectationHandler(log: Logger | undefined) {
  return (_request: IncomingMessage, outgoing: ServerResponse): void => answerRefusal(outgoing, expectationRefusal(), log);
}

/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1), answered lazily: the interim 100 goes out when the app first reads the
 * body, not when the headers arrive (Node's default). An answer decided from the headers alone (401 without a token,
 * 403, 413 from Content-Length, 415, 404) then goes out instead of the 100, and the client never sends the body it
 * was holding back. A body nobody reads is drained after the answer (`closeAfterBody`), with no 100 after it.
 */
export function continueWhenRead(incoming: IncomingMessage, outgoing: ServerResponse): void {
  const read = incoming._read.bind(incoming);
  incoming._read = (size: number) => {
    incoming._read = read;
    if (!outgoing.headersSent && !outgoing.writableEnded) outgoing.writeContinue();
    read(size);
  };
}

/**
 * A request the app must not see, refused from its request line and headers: a version other than HTTP/1.x (llhttp
 * takes `HTTP/2.0` and a bare `GET /path`, HTTP/0.9), HTTP/1.1 without `Host` or with more than one (RFC 9112 §3.2;
 * Node keeps the first and serves it, so a proxy that read the other would disagree about the target; Node's own
 * refusal of a missing one has no body), an asterisk-form target (`OPTIONS *`), which names no resource here, or a
 * transfer coding other than `chunked` (RFC 9112 §6.1: 501; Node removes the chunking and would hand the app
 * bytes still in `gzip` or an unknown coding as if they were the body).
 */
export function refusedBeforeApp(incoming: IncomingMessage): Refusal | undefined {
  if (incoming.url === '*')
    return {
      status: 400,
      code: 'http/malformed-request',
      detail: `${incoming.method} * asks about the server as a whole, which is not served here; name a path.`,
    };
  if (incoming.httpVersionMajor !== 1)
    return { status: 505, code: 'http/version-not-supported', detail: `HTTP/${incoming.httpVersion} is not served here; send HTTP/1.1.` };
  const { host, 'transfer-encoding': codings } = incoming.headers;
  if (host === undefined) {
    if (incoming.httpVersionMinor === 1)
      return { status: 400, code: 'http/malformed-request', detail: 'The request has no Host header, which HTTP/1.1 requires (RFC 9112 §3.2).' };
  } else if (hostLines(incoming.rawHeaders) > 1)
    return { status: 400, code: 'http/malformed-request', detail: 'The request has more than one Host header (RFC 9112 §3.2).' };
  return transferCodingRefusal(codings) ?? dotSegmentRefusal(incoming.url ?? '');
}

/** How many `Host` lines the request has (Node's `headers.host` keeps the first of several). */
function hostLines(raw: readonly string[]): number {
  let lines = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.length === 4 && raw[i]?.toLowerCase() === 'host') lines++;
  return lines;
}

/** Answers a refusal on Node's response object, before any Web request exists. */
export function answerRefusal(outgoing: ServerResponse, refusal: Refusal, log: Logger | undefined): void {
  const { status, headers, body } = refusalAnswer(refusal, log, refusal.code);
  outgoing.writeHead(status, headers).end(body);
}

/**
 * The problem for an error @hono/node-server met turning Node's request into a Web one (a Host header or path that
 * is not a valid URL part: `RequestError`), or an error thrown before the app could answer (a 500, logged).
 */
export function requestErrorHandler(log: Logger | undefined) {
  return (error: unknown): Response => {
    if (error instanceof RequestError)
      return refusalResponse(
        { status: 400, code: 'http/malformed-request', detail: `The request's Host header or path is not valid: ${error.message}.` },
        log,
        'request-target',
      );
    log?.error({ err: error }, 'request failed before the app answered');
    return refusalResponse({ status: 500, code: 'http/internal', detail: 'The server failed before it could answer.' }, log, 'internal');
  };
}
