import { Agent, util, type Dispatcher } from 'undici';
import { SendTimeoutError, type ModuleAnswer, type RemoteTls, type Sender } from './http-send.ts';
import { connectOptions } from './tls-fetch.ts';

/** Idle keep-alive sockets are kept this long (below Node's server default of 5 s, so the server never closes first). */
const keepAliveMs = 4_000;

/**
 * Sends with undici's `dispatch`, the pooled client under its `request` and `fetch`: the answer is collected straight
 * from the socket's chunks (no body stream), and the deadline aborts the dispatch itself (no `AbortController` and no
 * abort listener per call; a caller's own signal is listened to only when there is one). One keep-alive pool per
 * instance. It asks for no compression, so the body is the bytes the provider sent. `tls` verifies `https://`
 * instances against its CA and presents its client certificate.
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
  return (baseUrl, call, timeoutMs) =>
    new Promise<ModuleAnswer>((resolve, reject) => {
      if (call.signal?.aborted) return reject(call.signal.reason);
      const { origin, prefix } = split(baseUrl);
      const reader = new AnswerReader(resolve, reject, timeoutMs, call.signal);
      try {
        agent.dispatch({ origin, path: `${prefix}${call.target}`, method: call.method as Dispatcher.HttpMethod, headers: call.headers, body: call.body ?? null }, reader);
      } catch (error) {
        reader.onError(error as Error);
      }
    });
}

/**
 * Reads one answer for `dispatch` (undici's handler interface, as its own `request` implements it): status, headers
 * and the body's chunks, settled once. Stopping (the deadline or the caller's signal) aborts the dispatch once it is
 * under way, which ends in `onError` with the reason; before that (waiting for a connection) it fails the call at once
 * and keeps the reason, so `onConnect` aborts the request instead of sending it.
 */
class AnswerReader implements Dispatcher.DispatchHandlers {
  #status = 0;
  #headers: ModuleAnswer['headers'] = {};
  #chunks: Buffer[] = [];
  #size = 0;
  #abort: ((reason: Error) => void) | undefined;
  #reason: Error | undefined;
  #settled = false;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;
  readonly #resolve: (answer: ModuleAnswer) => void;
  readonly #reject: (error: unknown) => void;

  constructor(resolve: (answer: ModuleAnswer) => void, reject: (error: unknown) => void, timeoutMs: number, signal: AbortSignal | undefined) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = setTimeout(() => this.#stop(new SendTimeoutError(timeoutMs)), timeoutMs);
    this.#signal = signal;
    if (signal) {
      this.#onAbort = () => this.#stop(signal.reason as Error);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  #stop(reason: Error): void {
    if (this.#settled) return;
    if (this.#abort) return this.#abort(reason);
    this.#reason = reason;
    this.onError(reason);
  }

  #finish(): void {
    this.#settled = true;
    clearTimeout(this.#timer);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#reason) abort(this.#reason);
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx answers are informational: the final answer follows.
    if (statusCode < 200) return true;
    this.#status = statusCode;
    const parsed = util.parseHeaders(rawHeaders);
    for (const name in parsed) {
      const value = parsed[name];
      if (value !== undefined) this.#headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    return true;
  }

  onComplete(): void {
    this.#finish();
    // A copy of its own: the chunks may be views into buffers undici reuses.
    let body: Uint8Array<ArrayBuffer> | null = null;
    if (this.#size > 0) {
      body = new Uint8Array(this.#size);
      let at = 0;
      for (const chunk of this.#chunks) {
        body.set(chunk, at);
        at += chunk.byteLength;
      }
    }
    this.#resolve({ status: this.#status, headers: this.#headers, body });
  }

  onError(error: Error): void {
    this.#finish();
    this.#reject(error);
  }
}
