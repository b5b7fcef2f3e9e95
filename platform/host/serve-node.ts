import { createServer as createHttpServer, IncomingMessage, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { EdgeBindings } from '../http/index.ts';
import {
  answerRefusal,
  clientErrorHandler,
  closeAfterBody,
  connectHandler,
  continueWhenRead,
  expectationHandler,
  refusedBeforeApp,
  requestErrorHandler,
} from './node-connection.ts';
import { closingServers, EdgeServerResponse } from './node-response.ts';
import { flushHeld } from './node-write-batch.ts';
import type { RunningServer, ServeOptions } from './serve.ts';

/**
 * How long an idle keep-alive connection stays open, announced as `Keep-Alive: timeout=65`. Longer than the idle
 * timeout of the clients and proxies in front (Cleave's own callers keep 4 s, load balancers typically 60 s), so the
 * client, not the server, ends an idle connection: a server that closes first races the client's next request on
 * that socket, which then fails with "other side closed" (Node's default is 5 s).
 */
export const keepAliveTimeoutMs = 65_000;

type Fetch = (request: Request, env?: EdgeBindings) => Response | Promise<Response>;

export function listen(fetch: Fetch, options: ServeOptions): Promise<RunningServer> {
  const handle = (request: Request, env: { incoming?: unknown; outgoing?: unknown } | undefined) => {
    const incoming = env?.incoming;
    const bindings: EdgeBindings = {};
    // The edge writes its headers (security headers, request id) into Node's response head, not into Web Headers.
    // It also says whether the server gave up waiting for the request's body (its 408 went out on the connection).
    if (env?.outgoing instanceof EdgeServerResponse) bindings.headerSink = bindings.arrival = env.outgoing;
    // The socket peer: the client, or the proxy it came through (see `clientAddress`).
    if (incoming instanceof IncomingMessage && incoming.socket.remoteAddress) bindings.remoteAddress = incoming.socket.remoteAddress;
    const answer = fetch(request, bindings);
    // Only a request that may still be sending its body needs its connection handled (GET and HEAD never do).
    if (!(incoming instanceof IncomingMessage) || incoming.method === 'GET' || incoming.method === 'HEAD') return answer;
    return Promise.resolve(answer).then((response) => closeAfterBody(incoming, response));
  };
  // @hono/node-server's listener, given the problem for a request it cannot turn into a Web request (it would answer
  // an empty 400), in front of it the refusals it would let through or Node would answer without a body.
  const toApp = getRequestListener(handle, { hostname: options.host, errorHandler: requestErrorHandler(options.log) });
  const listener = (incoming: IncomingMessage, outgoing: EdgeServerResponse): void => {
    const refusal = refusedBeforeApp(incoming);
    if (refusal) answerRefusal(outgoing, refusal, options.log);
    // The listener settles once the answer is written; it never rejects (errors become answers inside it).
    else void toApp(incoming, outgoing);
  };
  return new Promise((resolve, reject) => {
    const tls = options.tls;
    // Node's own refusal of an HTTP/1.1 request without Host has no body: `refusedBeforeApp` answers it instead.
    const serverOptions: ServerOptions<typeof IncomingMessage, typeof EdgeServerResponse> = {
      ServerResponse: EdgeServerResponse,
      requireHostHeader: false,
      // Node checks for late requests every `connectionsCheckingInterval` (30 s by default): a quarter of the limit
      // keeps a late request's 408 within 25 % of it. The headers' own limit is Node's (60 s, or this if shorter).
      ...(options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeout: options.requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.round(options.requestTimeoutMs / 4))) }),
    };
    // With a client CA the handshake itself refuses a peer without a certificate it signed: no request reaches the app.
    const server = tls
      ? createHttpsServer(
          {
            ...serverOptions,
            cert: tls.cert,
            key: tls.key,
            ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
          },
          listener,
        )
      : createHttpServer(serverOptions, listener);
    server.keepAliveTimeout = keepAliveTimeoutMs;
    server.on('clientError', clientErrorHandler(options.log));
    server.on('connect', connectHandler(options.log));
    server.on('checkExpectation', expectationHandler(options.log));
    server.on('checkContinue', (incoming: IncomingMessage, outgoing: EdgeServerResponse) => {
      continueWhenRead(incoming, outgoing);
      listener(incoming, outgoing);
    });
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const info = server.address() as AddressInfo;
      resolve({
        url: `${tls ? 'https' : 'http'}://${formatHost(info.address)}:${info.port}`,
        close: () =>
          new Promise((done) => {
            closingServers.add(server);
            // Answers ended this turn are written before Node closes the connections it finds idle.
            flushHeld();
            server.close(() => done());
            // Node closes the connections idle now; those with an answer in flight close after it (see above).
            server.closeIdleConnections();
          }),
      });
    });
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
