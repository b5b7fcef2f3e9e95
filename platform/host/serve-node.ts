import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { RunningServer, ServeOptions } from './serve.ts';

export function listen(fetch: (request: Request) => Response | Promise<Response>, options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      resolve({
        url: `http://${formatHost(info.address)}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
