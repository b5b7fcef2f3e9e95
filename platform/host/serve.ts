import type { Logger } from '../observability/index.ts';
import type { Host } from './create-host.ts';

export interface ServeOptions {
  host: string;
  port: number;
  /** Where requests refused before they reach the app (malformed HTTP) are logged. */
  log?: Logger;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a host's app on Deno (`Deno.serve`) or Node (`@hono/node-server`); the adapters are a few lines each. */
export async function serve(host: Host, options: ServeOptions): Promise<RunningServer> {
  const adapter = 'Deno' in globalThis ? await import('./serve-deno.ts') : await import('./serve-node.ts');
  return adapter.listen(host.app.fetch, { log: host.logger, ...options });
}
