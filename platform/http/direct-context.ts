import type { Logger } from '../observability/index.ts';
import type { RequestTarget } from './request-validation.ts';

/** What a handler answered through a direct context: `c.json(body, status)`, `c.body(null, status)`. */
export interface DirectAnswer {
  readonly direct: true;
  status: number;
  body: unknown;
  /** Headers the handler set, lower-case names. */
  headers: [string, string][];
}

export function isDirectAnswer(value: unknown): value is DirectAnswer {
  return typeof value === 'object' && value !== null && (value as DirectAnswer).direct === true;
}

export interface DirectRequestInit {
  method: string;
  /** The request's path, computed when first asked for. */
  path: () => string;
  valid: Partial<Record<RequestTarget, unknown>>;
  params: Record<string, string>;
  headers: Record<string, string>;
  requestId: string;
  logger: Logger;
  module: string;
  /** The call's abort signal, made when first asked for. */
  signal: () => AbortSignal;
}

/** `c.req` of a direct context. */
class DirectRequest {
  readonly #init: DirectRequestInit;

  constructor(init: DirectRequestInit) {
    this.#init = init;
  }

  get method(): string {
    return this.#init.method;
  }

  get path(): string {
    return this.#init.path();
  }

  valid(target: RequestTarget): unknown {
    return this.#init.valid[target];
  }

  param(name?: string): unknown {
    return name === undefined ? this.#init.params : this.#init.params[name];
  }

  header(name?: string): unknown {
    return name === undefined ? this.#init.headers : this.#init.headers[name.toLowerCase()];
  }

  get raw(): { signal: AbortSignal } {
    return { signal: this.#init.signal() };
  }
}

/**
 * The part of Hono's `Context` a module handler uses (`c.req.valid`, `c.json`, `c.body`, `c.header`, `c.get`/`c.set`,
 * and the request's path, method, headers, parameters and signal), for a call dispatched to the handler without a
 * `Request` or `Response`. Handlers that keep to this surface run unchanged on both paths. A class, so that a call
 * makes one object and no closures.
 */
export class DirectContext {
  readonly req: DirectRequest;
  readonly #init: DirectRequestInit;
  readonly #headers: [string, string][] = [];
  #vars: Map<string, unknown> | undefined;

  constructor(init: DirectRequestInit) {
    this.#init = init;
    this.req = new DirectRequest(init);
  }

  json(body: unknown, status = 200, extra?: Record<string, string>): DirectAnswer {
    return this.#answer(body, status, extra);
  }

  body(body: unknown, status = 200, extra?: Record<string, string>): DirectAnswer {
    return this.#answer(body, status, extra);
  }

  header(name: string, value: string | undefined, options?: { append?: boolean }): void {
    const key = name.toLowerCase();
    const headers = this.#headers;
    if (!options?.append) for (let i = headers.length - 1; i >= 0; i--) if (headers[i]?.[0] === key) headers.splice(i, 1);
    if (value !== undefined) headers.push([key, value]);
  }

  get(key: string): unknown {
    if (this.#vars?.has(key)) return this.#vars.get(key);
    if (key === 'requestId') return this.#init.requestId;
    if (key === 'logger') return this.#init.logger;
    if (key === 'module') return this.#init.module;
    return undefined;
  }

  set(key: string, value: unknown): void {
    (this.#vars ??= new Map()).set(key, value);
  }

  get var(): Record<string, unknown> {
    return { requestId: this.#init.requestId, logger: this.#init.logger, module: this.#init.module, ...Object.fromEntries(this.#vars ?? []) };
  }

  #answer(body: unknown, status: number, extra?: Record<string, string>): DirectAnswer {
    if (extra) for (const name in extra) this.#headers.push([name.toLowerCase(), extra[name] as string]);
    return { direct: true, status, body, headers: this.#headers };
  }
}

export function directContext(init: DirectRequestInit): DirectContext {
  return new DirectContext(init);
}
