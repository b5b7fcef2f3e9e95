import type { RouteConfig } from '@hono/zod-openapi';
import { RemoteProblemError } from '../../platform/contracts/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { randomUUID } from 'node:crypto';
import { bearerToken } from '../../platform/http/index.ts';
import { runInContext } from '../../platform/observability/index.ts';
import { call } from './test-host.ts';
import { adminToken } from './tokens.ts';

interface Known {
  module: string;
  route: RouteConfig;
  pattern: RegExp;
  names: string[];
}

function routesOf(host: Host): Known[] {
  return host.modules.flatMap((m) =>
    Object.values(m.definition.contract.routes).map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_: string, name: string) => (names.push(name), '([^/]+)'));
      return { module: m.definition.name, route, pattern: new RegExp(`^${source}$`), names };
    }),
  );
}

/**
 * Sends what a test would send over HTTP as a direct in-process call (the path a module client takes when its
 * provider is local), and turns the result back into a `Response`, so the same assertions hold on both paths. A
 * request no contract route matches (unknown paths, platform endpoints) goes through the app instead.
 */
export async function directCall(
  host: Host,
  caller: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const url = new URL(path, 'http://cleave.internal');
  const found = routesOf(host)
    .filter((r) => r.route.method.toUpperCase() === method.toUpperCase())
    .map((r) => ({ ...r, match: r.pattern.exec(url.pathname) }))
    .find((r) => r.match);
  if (!found?.match) return call(host, method, path, body, headers);
  const params = Object.fromEntries(found.names.map((name, i) => [name, decodeURIComponent(found.match?.[i + 1] ?? '')]));
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const { 'idempotency-key': idempotencyKey, ...rest } = lower;
  const input = { params, query, headers: rest, ...(body === undefined ? {} : { body }) };
  // The call comes from module `caller` (with the handle the host issued it), on behalf of the user the request's
  // token names: a module serving a request, calling another in the same process.
  const { authorization = `Bearer ${await adminToken(host, (p, init) => host.app.request(p, init))}`, ...forwarded } = rest;
  const token = bearerToken(authorization);
  const user = token ? await host.security.verifier?.verify(token).catch(() => undefined) : undefined;
  // A request whose credentials the edge refuses never reaches a module's code, so it makes no direct call: the
  // answer is the edge's refusal.
  if (authorization !== '' && user === undefined) return call(host, method, path, body, headers);
  const handle = host.direct.handles.issue(caller);
  const context = { correlationId: randomUUID(), ...(user ? { principal: user, userToken: token as string } : {}) };
  const dispatched = runInContext(context, () =>
    host.direct.dispatch(found.module, {
      route: found.route,
      input: { ...input, headers: forwarded },
      options: idempotencyKey === undefined ? {} : { idempotencyKey },
      caller,
      handle,
    }),
  );
  if (!dispatched) throw new Error(`${method} ${path} has no handler on the direct path.`);
  try {
    const result = await dispatched;
    const out = new Headers();
    for (const [name, value] of result.headers) out.append(name, value);
    return new Response(result.body === undefined ? null : JSON.stringify(result.body), { status: result.status, headers: out });
  } catch (error) {
    if (!(error instanceof RemoteProblemError)) throw error;
    const out: Record<string, string> = { 'content-type': 'application/problem+json' };
    if (error.retryAfterSeconds !== undefined) out['retry-after'] = String(error.retryAfterSeconds);
    return new Response(JSON.stringify(error.problem), { status: error.problem.status, headers: out });
  }
}
