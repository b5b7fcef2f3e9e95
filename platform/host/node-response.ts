import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import type { EdgeArrival, EdgeHeaderSink } from '../http/index.ts';
import { endHeld, release } from './node-write-batch.ts';

type OwnHeaders = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

/**
 * Node's response with the edge's header sink: the headers the edge leaves here (security headers, request id) join
 * the response's own when its head is written, in the one header object Node serialises anyway, so they never pass
 * through Web `Headers`. The response's own headers win over the edge's. Every head Node writes goes through
 * `writeHead` (@hono/node-server's and Node's implicit ones alike), so no answer leaves without them.
 */
export class EdgeServerResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> implements EdgeHeaderSink, EdgeArrival {
  edgeHeaders: EdgeHeaderSink['edgeHeaders'] = undefined;
  /** Set by the `clientError` handler when Node's request timeout ended the wait for this request (see `EdgeArrival`). */
  timedOut = false;

  /** Ends the answer with its bytes held until the event loop's turn ends, with the turn's other answers (see `endHeld`). */
  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    const socket = this.socket;
    const end = () => super.end(chunk as never, encoding as never, callback as never);
    return socket ? endHeld(socket, end) : end();
  }

  /** Writes what the socket holds first: destroying it would drop an answer already ended. */
  override destroy(error?: Error): this {
    release(this.socket);
    return super.destroy(error);
  }

  override writeHead(statusCode: number, reason?: string | OwnHeaders, headers?: OwnHeaders): this {
    // A server that is closing ends each connection after its answer (`Connection: close`) instead of keeping it for
    // a next request it will not serve: `server.close()` then finishes as soon as the answers in flight are out.
    if (closingServers.has((this.req?.socket as { server?: object } | undefined)?.server ?? this)) this.shouldKeepAlive = false;
    const edge = this.edgeHeaders;
    if (edge === undefined) return typeof reason === 'string' ? super.writeHead(statusCode, reason, headers) : super.writeHead(statusCode, reason);
    this.edgeHeaders = undefined;
    return typeof reason === 'string' ? super.writeHead(statusCode, reason, merged(edge, headers)) : super.writeHead(statusCode, merged(edge, reason));
  }
}

/** Servers that stopped taking connections; see `EdgeServerResponse.writeHead`. */
export const closingServers = new WeakSet<object>();

function merged(edge: readonly Readonly<Record<string, string>>[], own: OwnHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const record of edge) Object.assign(headers, record);
  if (Array.isArray(own)) {
    // Node's flat form: [name, value, name, value, ...].
    for (let i = 0; i + 1 < own.length; i += 2) headers[String(own[i]).toLowerCase()] = own[i + 1];
  } else if (own) {
    for (const name in own) {
      const value = own[name];
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
  }
  return headers;
}
