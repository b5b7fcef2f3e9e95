import type { RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { matchedRoutes } from 'hono/route';
import type { Access } from './access.ts';
import type { RouteContract } from './declared-problems.ts';

/**
 * What a contract route declared that the app-wide middleware, which runs before the route's own, must honour: it
 * reads a form body, or takes no `Idempotency-Key`. Carried by the route's own middleware functions, so the matched
 * route answers without a lookup table by path.
 */
export interface RouteMarks {
  /** The body is `application/x-www-form-urlencoded` (RFC 6749 endpoints), not JSON. */
  formBody?: true;
  /** The operation takes no `Idempotency-Key`: its answers (credentials) must never be stored for replay. */
  noIdempotencyKey?: true;
  /** Who may call the operation (every contract route has it). */
  access?: Access;
  /** The operation (every contract route has it): known from the match, before the route's own middleware runs. */
  contract?: RouteContract;
  /**
   * Adjusts a refusal the edge answered for this route before the route's own middleware ran (413, a content coding's
   * 415, a rate limit's 429) as that middleware adjusts the route's other answers: the OAuth endpoints' `error` member
   * and `Cache-Control: no-store`. Sets `c.res`.
   */
  earlyAnswer?: (c: Context<AppEnv>) => Promise<void>;
}

const marks = new WeakMap<object, RouteMarks>();

/** Marks `middleware` as carrying `routeMarks`; returns it. */
export function markRoute<M extends MiddlewareHandler>(middleware: M, routeMarks: RouteMarks): M {
  marks.set(middleware, routeMarks);
  return middleware;
}

/** The marks `middleware` carries, if any. */
export function marksOf(middleware: object): RouteMarks | undefined {
  return marks.get(middleware);
}

/** The marks of the route a request matched (read only where needed: it walks the matched handlers). */
export function routeMarks(c: Context): RouteMarks {
  let found: RouteMarks = {};
  for (const route of matchedRoutes(c)) {
    const m = marks.get(route.handler);
    if (m) found = { ...found, ...m };
  }
  return found;
}

/** The access the matched contract route declared; `undefined` for a request no contract route matched. */
export function routeAccess(c: Context): Access | undefined {
  for (const route of matchedRoutes(c)) {
    const access = marks.get(route.handler)?.access;
    if (access !== undefined) return access;
  }
  return undefined;
}

/**
 * The contract operation the request's method and path matched, also when it was answered before the route's own
 * middleware ran (refused by authorization, a rate limit, the body limit, or failing in app-wide middleware);
 * `undefined` when no contract route matched.
 */
export function routeContract(c: Context<AppEnv>): RouteContract | undefined {
  const declared = c.get('route');
  if (declared) return declared;
  for (const route of matchedRoutes(c)) {
    const contract = marks.get(route.handler)?.contract;
    if (contract !== undefined) return contract;
  }
  return undefined;
}

/**
 * On a host that forwards a remote module's requests (the gateway), marks that module's form-body routes, so the
 * JSON-only rule lets their bodies through to the module, which holds them to the form type itself.
 */
export function markForwardedRoutes(app: { on(method: string, path: string, handler: MiddlewareHandler): unknown }, routes: readonly RouteConfig[]): void {
  for (const route of routes) {
    const content = route.request?.body?.content ?? {};
    if (!('application/x-www-form-urlencoded' in content) || 'application/json' in content) continue;
    app.on(
      route.method.toUpperCase(),
      route.path.replace(/\{(\w+)\}/g, ':$1'),
      markRoute((_c, next) => next(), { formBody: true }),
    );
  }
}

const middlewareOnly = new WeakSet<object>();

/**
 * Marks `middleware` that an app registers for some methods (`app.on(['POST', ...], '/catalog/*', m)`, not `app.use`)
 * as middleware: it serves no path itself, so it does not make a path known to another method (no 405). Returns it.
 */
export function asMiddleware<M extends MiddlewareHandler>(middleware: M): M {
  middlewareOnly.add(middleware);
  return middleware;
}

/** Whether `handler` was registered as middleware only (see `asMiddleware`). */
export function isMiddleware(handler: unknown): boolean {
  return typeof handler === 'function' && middlewareOnly.has(handler);
}

const forwarding = new WeakSet<object>();

/**
 * Marks a handler registered for every method (`app.all`) that serves the paths it matches (the gateway's forwarder),
 * unlike `app.use` middleware, which is registered the same way. Returns it.
 */
export function asForwarder<H extends object>(handler: H): H {
  forwarding.add(handler);
  return handler;
}

/**
 * Whether a route (not middleware) serves the request's method and path: a contract or plain route, or the gateway
 * forwarding it to the module's instances. When none does, the answer is 404 or 405, whatever the body is.
 */
export function servesRequest(c: Context): boolean {
  for (const route of matchedRoutes(c)) {
    if (route.method === 'ALL' ? forwarding.has(route.handler) : !middlewareOnly.has(route.handler)) return true;
  }
  return false;
}
