import { SendTimeoutError, type ModuleAnswer, type Sender } from './http-send.ts';

/**
 * Sends with Web `fetch`: Deno's client (Node has undici's pooled one, `http-send-undici.ts`); `send` is a `fetch`
 * holding TLS settings (`tlsFetch`).
 */
export function fetchSender(send: typeof fetch = fetch): Sender {
  return async (baseUrl, call, timeoutMs) => {
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new SendTimeoutError(timeoutMs)), timeoutMs);
    let response: Response;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      response = await send(`${baseUrl.replace(/\/+$/, '')}${call.target}`, {
        method: call.method,
        headers: call.headers,
        ...(call.body === undefined ? {} : { body: call.body }),
        // The body is read under the same deadline: a provider that stalls mid-body must not hang the caller either.
        signal: call.signal ? AbortSignal.any([call.signal, timer.signal]) : timer.signal,
      });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw timer.signal.aborted && !call.signal?.aborted ? (timer.signal.reason as Error) : error;
    } finally {
      clearTimeout(timeout);
    }
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
