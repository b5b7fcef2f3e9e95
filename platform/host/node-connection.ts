import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { problem, problemMediaType, secureHeaders } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';

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

// The security headers every answer carries, for the ones written here by hand.
const secureHeaderLines = Object.entries(secureHeaders)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

interface ParserError extends Error {
  code?: string;
  reason?: string;
}

/** The problem for a request Node's HTTP parser refused before the app saw it. */
function parserProblem(error: ParserError): { status: number; code: string; detail: string } {
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
  return (error: ParserError, socket: Socket & { _httpMessage?: { headersSent?: boolean } }) => {
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const { status, code, detail } = parserProblem(error);
    log?.debug({ requestId, code, reason: error.code }, 'request refused by the HTTP parser');
    const body = JSON.stringify(problem({ status, code, detail, requestId }));
    const title = problem({ status, code }).title;
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\ncontent-type: ${problemMediaType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n${secureHeaderLines}connection: close\r\n\r\n${body}`,
    );
  };
}
