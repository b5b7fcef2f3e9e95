import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

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
}

const marks = new WeakMap<object, RouteMarks>();

/** Marks `middleware` as carrying `routeMarks`; returns it. */
export function markRoute<M extends MiddlewareHandler>(middleware: M, routeMarks: RouteMarks): M {
  marks.set(middleware, routeMarks);
  return middleware;
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
