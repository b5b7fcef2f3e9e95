import { Agent } from 'undici';
import type { ModuleAnswer, RemoteTls, Sender } from './http-send.ts';
import { connectOptions } from './tls-fetch.ts';

/** Idle keep-alive sockets are kept this long (below Node's server default of 5 s, so the server never closes first). */
const keepAliveMs = 4_000;

/**
 * Sends with undici's pooled `request`, Node's own HTTP client without the Fetch layer on top (no `Request`,
 * `Headers`, `Response` or body streams to build): one keep-alive pool per instance. It asks for no compression, so
 * the body is the bytes the provider sent. `tls` verifies `https://` instances against its CA and presents its client
 * certificate.
 */
export function undiciSender(tls?: RemoteTls): Sender {
  const agent = new Agent({ keepAliveTimeout: keepAliveMs, keepAliveMaxTimeout: keepAliveMs, ...(tls ? { connect: connectOptions(tls) } : {}) });
  const bases = new Map<string, { origin: string; prefix: string }>();
  const split = (baseUrl: string) => {
    let base = bases.get(baseUrl);
    if (!base) {
      const url = new URL(baseUrl);
      base = { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
      bases.set(baseUrl, base);
    }
    return base;
  };
  return async (baseUrl, call, signal) => {
    const { origin, prefix } = split(baseUrl);
    const answer = await agent.request({
      origin,
      path: `${prefix}${call.target}`,
      method: call.method as 'GET',
      headers: call.headers,
      body: call.body ?? null,
      signal,
    });
    const bytes = new Uint8Array(await answer.body.arrayBuffer());
    const headers: ModuleAnswer['headers'] = {};
    for (const name in answer.headers) {
      const value = answer.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: answer.statusCode, headers, body: bytes.byteLength === 0 ? null : bytes };
  };
}
