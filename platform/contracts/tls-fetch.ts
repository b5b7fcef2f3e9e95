import type { RemoteTls } from './http-send.ts';

type Fetch = typeof fetch;

declare const Deno: {
  createHttpClient(options: { caCerts?: string[]; cert?: string; key?: string }): unknown;
};

/**
 * `fetch` that verifies servers against `tls.ca` and presents `tls.cert`/`tls.key`: on Deno through
 * `Deno.createHttpClient`, on Node through undici's `fetch` with an `Agent` holding them (Node's own `fetch` takes
 * no TLS options). The plain global `fetch` when there is nothing to configure.
 */
export async function tlsFetch(tls: RemoteTls | undefined): Promise<Fetch> {
  if (!tls || (tls.ca === undefined && tls.cert === undefined)) return fetch;
  if ('Deno' in globalThis) {
    const client = Deno.createHttpClient({
      ...(tls.ca === undefined ? {} : { caCerts: [tls.ca] }),
      ...(tls.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
    });
    return (input, init) => fetch(input, { ...init, client } as RequestInit);
  }
  const undici = await import('undici');
  const dispatcher = new undici.Agent({ connect: connectOptions(tls) });
  return ((input: string, init?: RequestInit) => undici.fetch(input, { ...init, dispatcher } as never)) as unknown as Fetch;
}

/** Node `tls.connect` options for undici: only what is set, so an unset CA keeps the system's. */
export function connectOptions(tls: RemoteTls): { ca?: string; cert?: string; key?: string } {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
  };
}
