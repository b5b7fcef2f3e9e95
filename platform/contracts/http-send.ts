/**
 * A call to a module over HTTP as plain data, and its answer read in full: what the HTTP transport sends and gets
 * back, without `Request` or `Response` objects. Each runtime sends it with its own client (`http-send-undici.ts` on
 * Node, `http-send-fetch.ts` on Deno).
 */
export interface ModuleCall {
  /** Upper-case: `GET`, `POST`... */
  method: string;
  /** Path and query, e.g. `/inventory/v1/stock/42?size=2`, appended to the instance's base URL. */
  target: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** JSON text, or bytes. */
  body?: string | Uint8Array<ArrayBuffer>;
  /** The caller's: aborting it ends the call with the signal's reason. */
  signal?: AbortSignal;
}

export interface ModuleAnswer {
  status: number;
  /** Lower-case names; a field sent more than once has its values joined with `, `. */
  headers: Record<string, string>;
  /** `null` when the answer has no body. */
  body: Uint8Array<ArrayBuffer> | null;
}

/**
 * Sends one attempt to an instance and reads the whole answer within `timeoutMs` (the attempt's deadline, body
 * included). Fails with `SendTimeoutError` when the deadline passes, with the reason of `call.signal` when the caller
 * aborts, and with the client's own error when the instance cannot be reached.
 */
export type Sender = (baseUrl: string, call: ModuleCall, timeoutMs: number) => Promise<ModuleAnswer>;

/** An attempt that had no complete answer within its deadline. */
export class SendTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms.`);
    this.name = 'SendTimeoutError';
  }
}

/** Which HTTP client sends: undici's pooled `dispatch` (Node's default), or `fetch` (Deno's, and anywhere). */
export type HttpClient = 'undici' | 'fetch';

/** TLS for calls to other hosts, as PEM text: the CA servers are verified against, the client certificate shown. */
export interface RemoteTls {
  /** Unset: the system's CAs. */
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

const loaded = new Map<HttpClient, Promise<Sender>>();

/**
 * The runtime's sender, loaded on first use so that Deno never loads undici. Shared while no TLS is configured; with
 * `tls`, a sender of its own holding the CA and client certificate.
 */
export function senderFor(client: HttpClient | undefined, tls?: RemoteTls): Promise<Sender> {
  const chosen = client ?? ('Deno' in globalThis ? 'fetch' : 'undici');
  const create = () =>
    chosen === 'undici'
      ? import('./http-send-undici.ts').then((m) => m.undiciSender(tls))
      : Promise.all([import('./http-send-fetch.ts'), import('./tls-fetch.ts')]).then(async ([m, t]) => m.fetchSender(await t.tlsFetch(tls)));
  if (tls && (tls.ca !== undefined || tls.cert !== undefined)) return create();
  let sender = loaded.get(chosen);
  if (!sender) {
    sender = create();
    loaded.set(chosen, sender);
  }
  return sender;
}

/** The answer as a Web `Response`, for the `Transport` signature. */
export function answerResponse(answer: ModuleAnswer): Response {
  // Fetch's null body statuses may not carry one.
  const body = answer.status === 204 || answer.status === 205 || answer.status === 304 ? null : answer.body;
  return new Response(body, { status: answer.status, headers: answer.headers });
}
