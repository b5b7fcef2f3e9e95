import type { RunningServer, ServeOptions } from './serve.ts';

interface DenoServer {
  addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
}

declare const Deno: {
  serve(options: { hostname: string; port: number; onListen?: () => void }, handler: (request: Request) => Response | Promise<Response>): DenoServer;
};

export function listen(fetch: (request: Request) => Response | Promise<Response>, options: ServeOptions): Promise<RunningServer> {
  const server = Deno.serve({ hostname: options.host, port: options.port, onListen: () => {} }, fetch);
  const host = server.addr.hostname.includes(':') ? `[${server.addr.hostname}]` : server.addr.hostname;
  return Promise.resolve({ url: `http://${host}:${server.addr.port}`, close: () => server.shutdown() });
}
