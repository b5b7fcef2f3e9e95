import type { TlsConfig } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Host } from './create-host.ts';

export interface ServeOptions {
  host: string;
  port: number;
  /** Where requests refused before they reach the app (malformed HTTP) are logged. */
  log?: Logger;
  /** Serve HTTPS with this certificate and key; with `clientCa`, refuse peers without a certificate it signed. */
  tls?: TlsConfig['server'];
  /**
   * How long a request may take to arrive in full (request line, headers and body) before it is answered 408 and its
   * connection closed: a client that stalls mid-upload must not hold a connection and a handler for ever (Node; its
   * own default is 300 s). Deno's server has no such limit.
   */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a host's app on Deno (`Deno.serve`) or Node (`@hono/node-server`); the adapters are a few lines each. */
export async function serve(host: Host, options: ServeOptions): Promise<RunningServer> {
  refuseUnsupportedTls(options.tls);
  const adapter = 'Deno' in globalThis ? await import('./serve-deno.ts') : await import('./serve-node.ts');
  return adapter.listen(host.app.fetch, { log: host.logger, ...options });
}

/**
 * `Deno.serve` takes a certificate and key but cannot request client certificates (denoland/deno#26825), so a Deno
 * host refuses to start with mutual TLS rather than serve without it; a mesh sidecar or proxy does mTLS instead.
 */
export function refuseUnsupportedTls(tls: TlsConfig['server']): void {
  if ('Deno' in globalThis && tls?.clientCa !== undefined) {
    throw new Error(
      'TLS_CLIENT_CA_FILE / TLS_REQUIRE_CLIENT_CERT: Deno.serve cannot request client certificates (denoland/deno#26825), so a Deno host cannot require mutual TLS. ' +
        'Run this host on Node, or leave mutual TLS to a service mesh or a TLS-terminating sidecar in front of it (docs/operations/tls.md).',
    );
  }
}
