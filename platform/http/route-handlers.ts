import type { RouteConfig } from '@hono/zod-openapi';

/** A route's handler as a router registered it: `(c) => c.json(...)`, over a Hono context or a direct one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers are typed where they are declared
export type RouteHandler = (c: any) => unknown;

const tables = new WeakMap<object, Map<RouteConfig, RouteHandler>>();

type Recordable = { openapi: (...args: never[]) => unknown; route: (...args: never[]) => unknown };

/**
 * Starts recording the handlers `router.openapi(route, handler)` registers, keyed by the route declaration, and
 * those of the routers mounted on it with `router.route(path, sub)`.
 */
export function recordHandlers(router: Recordable): void {
  const table = new Map<RouteConfig, RouteHandler>();
  const register = router.openapi.bind(router) as (route: RouteConfig, handler: RouteHandler, ...rest: unknown[]) => unknown;
  const mount = router.route.bind(router) as (path: string, sub: object, ...rest: unknown[]) => unknown;
  (router as { openapi: unknown }).openapi = (route: RouteConfig, handler: RouteHandler, ...rest: unknown[]) => {
    table.set(route, handler);
    return register(route, handler, ...rest);
  };
  (router as { route: unknown }).route = (path: string, sub: object, ...rest: unknown[]) => {
    // Contract routes carry their full path, so sub-routers are mounted at `/`: their handlers are this router's.
    if (path === '/' || path === '') for (const [route, handler] of tables.get(sub) ?? []) table.set(route, handler);
    return mount(path, sub, ...rest);
  };
  tables.set(router, table);
}

/** The handlers a router registered by route declaration (for calls that skip HTTP), if it recorded them. */
export function routeHandlers(router: object): ReadonlyMap<RouteConfig, RouteHandler> | undefined {
  return tables.get(router);
}
