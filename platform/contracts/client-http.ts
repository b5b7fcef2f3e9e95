import { randomUUID } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import { isUnsafe } from '../http/platform-problems.ts';
import type { Problem } from '../http/problem.ts';
import { currentContext, traceparentOf } from '../observability/index.ts';
import type { CallOptions, CallResult, ResponseHeaders, Transport } from './client.ts';

/*
 * A call on the wire: its path, query, headers and JSON body as HTTP carries them, sent over the transport, and the
 * answer read back. The typed client (client.ts) uses it when the provider is not in this process.
 */

const internalOrigin = 'http://cleave.internal';

/** Read-only response headers over a list of lower-case `[name, value]` pairs: no WebIDL work per header. */
export class HeaderList implements ResponseHeaders {
  readonly #pairs: readonly (readonly [string, string])[];

  constructor(pairs: readonly (readonly [string, string])[]) {
    this.#pairs = pairs;
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    let value: string | null = null;
    for (const [n, v] of this.#pairs) if (n === key) value = value === null ? v : `${value}, ${v}`;
    return value;
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.#pairs.some(([n]) => n === key);
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this) fn(value, name);
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    const names = [...new Set(this.#pairs.map(([n]) => n))].sort();
    for (const name of names) yield [name, this.get(name) as string];
  }
}

/** Over a transport that sends plain calls: no `Request` or `Response` is built. */
export async function sendCall(
  send: NonNullable<Transport['send']>,
  module: string,
  route: RouteConfig,
  input: Record<string, unknown>,
  options: CallOptions,
  caller: string,
): Promise<CallResult> {
  const { target, headers, body } = callParts(route, input, options, caller);
  const answer = await send(module, { method: route.method.toUpperCase(), target, headers, ...(body === undefined ? {} : { body }), ...(options.signal ? { signal: options.signal } : {}) });
  const type = answer.headers['content-type'] ?? '';
  const parsed: unknown = answer.body && answer.body.byteLength > 0 && type.includes('json') ? JSON.parse(decoder.decode(answer.body)) : undefined;
  return { status: answer.status, body: parsed, headers: new HeaderList(Object.entries(answer.headers)) };
}

const decoder = new TextDecoder();

/** Over a transport that takes a Web `Request`. */
export async function fetchCall(transport: Transport, module: string, route: RouteConfig, input: Record<string, unknown>, options: CallOptions, caller: string): Promise<CallResult> {
  const { target, headers, body } = callParts(route, input, options, caller);
  const request = new Request(new URL(target, internalOrigin), {
    method: route.method.toUpperCase(),
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const response = await transport(module, request);
  const type = response.headers.get('content-type') ?? '';
  const parsed: unknown = type.includes('json') ? await response.json() : (await response.arrayBuffer(), undefined);
  return { status: response.status, body: parsed, headers: response.headers };
}

/** The path and query, headers (lower-case) and JSON body of a call, as it travels over HTTP. */
function callParts(route: RouteConfig, input: Record<string, unknown>, options: CallOptions, caller: string): { target: string; headers: Record<string, string>; body?: string } {
  const path = routePath(route, (input.params ?? {}) as Record<string, unknown>);
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const query = search.toString();
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries((input.headers ?? {}) as Record<string, unknown>)) if (value !== undefined) headers[key.toLowerCase()] = String(value);
  const context = currentContext();
  if (context) {
    headers['x-correlation-id'] = context.correlationId;
    if (context.requestId) headers['x-request-id'] = context.requestId;
    const traceparent = traceparentOf(context);
    if (traceparent) headers.traceparent = traceparent;
  }
  headers['x-cleave-caller'] = caller;
  const key = options.idempotencyKey ?? (isUnsafe(route.method) ? randomUUID() : undefined);
  if (key) headers['idempotency-key'] = key;
  if (input.body === undefined) return { target: query === '' ? path : `${path}?${query}`, headers };
  headers['content-type'] = 'application/json';
  return { target: query === '' ? path : `${path}?${query}`, headers, body: JSON.stringify(input.body) };
}

/** A route's path with its parameters filled in, each percent-encoded, as the HTTP client sends it. */
export function routePath(route: RouteConfig, params: Record<string, unknown>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`Missing path parameter ${key} for ${route.method.toUpperCase()} ${route.path}.`);
    return encodeURIComponent(String(value));
  });
}

/** Whether an answer's body is a problem (RFC 9457 with Cleave's code and status). */
export function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string' && typeof (body as Problem).status === 'number';
}

export function syntheticProblem(module: string, status: number): Problem {
  return { type: 'urn:cleave:problem:http/upstream', title: 'Upstream error', status, code: 'http/upstream', detail: `Module ${module} answered ${status} without a problem body.` };
}
