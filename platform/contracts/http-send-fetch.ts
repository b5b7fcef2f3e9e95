import type { ModuleAnswer, Sender } from './http-send.ts';

/**
 * Sends with Web `fetch`: Deno's client (Node has undici's pooled one, `http-send-undici.ts`); `send` is a `fetch`
 * holding TLS settings (`tlsFetch`).
 */
export function fetchSender(send: typeof fetch = fetch): Sender {
  return async (baseUrl, call, signal) => {
    const response = await send(`${baseUrl.replace(/\/+$/, '')}${call.target}`, {
      method: call.method,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      signal,
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const headers: ModuleAnswer['headers'] = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    // fetch has already decoded the body: the encoding and length no longer describe these bytes.
    if (headers['content-encoding'] !== undefined) {
      delete headers['content-encoding'];
      delete headers['content-length'];
    }
    return { status: response.status, headers, body: bytes.byteLength === 0 ? null : bytes };
  };
}
