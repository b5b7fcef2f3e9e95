import type { EdgeBindings } from '../http/index.ts';
import { connectRefusal, dotSegmentRefusal, refusalResponse, transferCodingRefusal } from './refusals.ts';
import type { RunningServer, ServeOptions } from './serve.ts';

interface DenoServer {
  addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
}

declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen?: () => void; cert?: string; key?: string },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): DenoServer;
};

export function listen(fetch: (request: Request, env?: EdgeBindings) => Response | Promise<Response>, options: ServeOptions): Promise<RunningServer> {
  // The socket peer, for `clientAddress`; Deno has no header sink, so the edge sets its headers on the context.
  // Deno.serve hands a CONNECT (a tunnel request, for proxies) to the app as if it named a path: refused as on Node.
  // A transfer coding other than chunked reaches the app too, its body still in that coding: refused as on Node.
  const handler = (request: Request, info: { remoteAddr: { hostname: string } }) => {
    if (request.method === 'CONNECT') return refusalResponse(connectRefusal(request.headers.get('host') ?? undefined), options.log, 'CONNECT');
    const coding = transferCodingRefusal(request.headers.get('transfer-encoding'));
    if (coding) return refusalResponse(coding, options.log, 'transfer-coding');
    const dots = dotSegmentRefusal(request.url);
    if (dots) return refusalResponse(dots, options.log, 'dot-segment');
    // Hono answers a HEAD with the GET's headers and no body, and Deno.serve then sends `Content-Length: 0`, which
    // RFC 9110 §8.6 forbids unless the GET's body is empty. Answered as the GET it mirrors, Deno sends the GET's
    // length and drops the body itself.
    if (request.method === 'HEAD')
      return fetch(new Request(request.url, { method: 'GET', headers: request.headers, signal: request.signal }), {
        remoteAddress: info.remoteAddr.hostname,
        method: 'HEAD',
      });
    return fetch(request, { remoteAddress: info.remoteAddr.hostname });
  };
  // A client CA never reaches here: `refuseUnsupportedTls` stops it first (Deno.serve has no client certificates).
  const tls = options.tls ? { cert: options.tls.cert, key: options.tls.key } : {};
  // `shutdown()` ends the body of a request still arriving: a client mid-upload would get a 400 for a malformed body
  // and its write would be lost. Closing first waits for the handlers under way to finish, as Node's `close` does
  // (the process's shutdown deadline bounds the wait), then shuts down.
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const counted = async (request: Request, info: { remoteAddr: { hostname: string } }) => {
    inFlight++;
    try {
      return await handler(request, info);
    } finally {
      if (--inFlight === 0) idle?.();
    }
  };
  const server = Deno.serve({ hostname: options.host, port: options.port, onListen: () => {}, ...tls }, counted);
  const host = server.addr.hostname.includes(':') ? `[${server.addr.hostname}]` : server.addr.hostname;
  const close = async () => {
    if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
    await server.shutdown();
  };
  return Promise.resolve({ url: `${options.tls ? 'https' : 'http'}://${host}:${server.addr.port}`, close });
}
