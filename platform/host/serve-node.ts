import { IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { clientErrorHandler, closeAfterBody } from './node-connection.ts';
import type { RunningServer, ServeOptions } from './serve.ts';

type Fetch = (request: Request) => Response | Promise<Response>;

export function listen(fetch: Fetch, options: ServeOptions): Promise<RunningServer> {
  const handle = async (request: Request, env: { incoming?: unknown } | undefined) => {
    const response = await fetch(request);
    return env?.incoming instanceof IncomingMessage ? closeAfterBody(env.incoming, response) : response;
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: handle, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      resolve({
        url: `http://${formatHost(info.address)}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }) as Server;
    server.on('clientError', clientErrorHandler(options.log));
    server.once('error', reject);
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
