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
  path: string;
  valid: Partial<Record<RequestTarget, unknown>>;
  params: Record<string, string>;
  headers: Record<string, string>;
  requestId: string;
  logger: Logger;
  module: string;
  signal: () => AbortSignal;
}

/**
 * The part of Hono's `Context` a module handler uses (`c.req.valid`, `c.json`, `c.header`, and the request's path,
 * method, headers, signal), for a call dispatched to the handler without a `Request` or `Response`. Handlers that keep
 * to this surface run unchanged on both paths.
 */
export function directContext(init: DirectRequestInit) {
  const headers: [string, string][] = [];
  const vars = new Map<string, unknown>([
    ['requestId', init.requestId],
    ['logger', init.logger],
    ['module', init.module],
  ]);
  const answer = (body: unknown, status: number, extra?: Record<string, string>): DirectAnswer => {
    if (extra) for (const [name, value] of Object.entries(extra)) headers.push([name.toLowerCase(), value]);
    return { direct: true, status, body, headers };
  };
  return {
    req: {
      method: init.method,
      path: init.path,
      valid: (target: RequestTarget) => init.valid[target],
      param: (name?: string) => (name === undefined ? init.params : init.params[name]),
      header: (name?: string) => (name === undefined ? init.headers : init.headers[name.toLowerCase()]),
      get raw() {
        return { signal: init.signal() };
      },
    },
    json: (body: unknown, status = 200, extra?: Record<string, string>) => answer(body, status, extra),
    body: (body: unknown, status = 200, extra?: Record<string, string>) => answer(body, status, extra),
    header(name: string, value: string | undefined, options?: { append?: boolean }) {
      const key = name.toLowerCase();
      if (!options?.append) for (let i = headers.length - 1; i >= 0; i--) if (headers[i]?.[0] === key) headers.splice(i, 1);
      if (value !== undefined) headers.push([key, value]);
    },
    get: (key: string) => vars.get(key),
    set: (key: string, value: unknown) => void vars.set(key, value),
    get var() {
      return Object.fromEntries(vars);
    },
  };
}

export type DirectContext = ReturnType<typeof directContext>;
