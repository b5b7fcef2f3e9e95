import { IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { EdgeBindings } from '../http/index.ts';
import { clientErrorHandler, closeAfterBody } from './node-connection.ts';
import { closingServers, EdgeServerResponse } from './node-response.ts';
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
    if (env?.outgoing instanceof EdgeServerResponse) bindings.headerSink = env.outgoing;
    // The socket peer: the client, or the proxy it came through (see `clientAddress`).
    if (incoming instanceof IncomingMessage && incoming.socket.remoteAddress) bindings.remoteAddress = incoming.socket.remoteAddress;
    const answer = fetch(request, bindings);
    // Only a request that may still be sending its body needs its connection handled (GET and HEAD never do).
    if (!(incoming instanceof IncomingMessage) || incoming.method === 'GET' || incoming.method === 'HEAD') return answer;
    return Promise.resolve(answer).then((response) => closeAfterBody(incoming, response));
  };
  return new Promise((resolve, reject) => {
    const tls = options.tls;
    // With a client CA the handshake itself refuses a peer without a certificate it signed: no request reaches the app.
    const https = tls && {
      createServer: createHttpsServer,
      serverOptions: {
        ServerResponse: EdgeServerResponse,
        cert: tls.cert,
        key: tls.key,
        ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
      },
    };
    const server = serve(
      { fetch: handle, hostname: options.host, port: options.port, ...(https ?? { serverOptions: { ServerResponse: EdgeServerResponse } }) },
      (info: AddressInfo) => {
        resolve({
          url: `${tls ? 'https' : 'http'}://${formatHost(info.address)}:${info.port}`,
          close: () =>
            new Promise((done) => {
              closingServers.add(server);
              server.close(() => done());
              // Node closes the connections idle now; those with an answer in flight close after it (see above).
              server.closeIdleConnections();
            }),
        });
      },
    ) as Server;
    server.keepAliveTimeout = keepAliveTimeoutMs;
    server.on('clientError', clientErrorHandler(options.log));
    server.once('error', reject);
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
