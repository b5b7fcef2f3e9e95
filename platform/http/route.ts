import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import { deprecationDocs, deprecationHeaders, type RouteDeprecation } from './deprecation.ts';
import { problemMediaType, problemSchema } from './problem.ts';

const descriptions: Record<number, string> = {
  400: 'The request is malformed or fails validation; `errors` lists each field.',
  401: 'No valid credentials.',
  403: 'The caller may not do this.',
  404: 'The resource does not exist.',
  409: 'The request conflicts with the current state.',
  412: 'The resource changed since it was read (stale `If-Match`).',
  413: 'The request body is too large.',
  415: 'The request body is not JSON.',
  422: 'The request is well-formed but breaks a domain rule.',
  500: 'An unexpected error; the body reveals no internals.',
  502: 'An upstream module answered badly.',
  503: 'A module this depends on is unavailable.',
  504: 'A module this depends on did not answer in time.',
};

/** OpenAPI response entries for problem statuses. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: descriptions[status] ?? 'Problem', content: { [problemMediaType]: { schema: problemSchema } } }]),
  );
}

type ContractRouteConfig = Omit<RouteConfig, 'path' | 'deprecated'> & { path: string; problems?: number[]; deprecated?: RouteDeprecation };

/**
 * `createRoute` plus the problem responses every route can produce (400, 500; 413 and 415 with a body),
 * and the route's own, so they all appear in the OpenAPI document.
 *
 * A route declared `deprecated: { since, sunset, link? }` is marked `deprecated` (with `x-sunset` and a note in its
 * description) in OpenAPI, and every response it gives carries `Deprecation`, `Sunset` and `Link` headers.
 *
 * @example
 * export const getProduct = contractRoute({ method: 'get', path: '/catalog/v1/products/{id}', problems: [404], ... });
 */
export function contractRoute<const R extends ContractRouteConfig>(config: R) {
  const { problems = [], deprecated, ...route } = config;
  const standard = route.request?.body ? [400, 413, 415, 500] : [400, 500];
  let full: Record<string, unknown> = { ...route, responses: { ...problemResponses(...standard, ...problems), ...route.responses } };
  if (deprecated) full = deprecate(full, deprecated);
  return createRoute(full as Parameters<typeof createRoute>[0]) as unknown as Omit<R, 'problems' | 'deprecated'> & { getRoutingPath(): string };
}

function deprecate(route: Record<string, unknown>, deprecation: RouteDeprecation): Record<string, unknown> {
  const docs = deprecationDocs(deprecation, route.description as string | undefined);
  const own = route.middleware === undefined ? [] : [route.middleware].flat();
  const responses = Object.fromEntries(
    Object.entries(route.responses as Record<string, Record<string, unknown>>).map(([status, response]) => [
      status,
      '$ref' in response ? response : { ...response, headers: { ...(response.headers as object | undefined), ...docs.headers } },
    ]),
  );
  // First in the chain, so its headers land on whatever the route's own middleware, validation or handler answer.
  return { ...route, ...docs.operation, responses, middleware: [deprecationHeaders(deprecation), ...own] };
}

/** A JSON request or response body in a route declaration: `content: jsonContent(productSchema)`. */
export function jsonContent<S extends z.ZodType>(schema: S) {
  return { 'application/json': { schema } };
}
