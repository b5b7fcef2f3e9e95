import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import { securityOf, type Access } from './access.ts';
import { declareRoute, type RouteContract } from './declared-problems.ts';
import { deprecationDocs, deprecationHeaders, deprecationHeaderValues, type RouteDeprecation } from './deprecation.ts';
import { formBody, formMediaType } from './form-body.ts';
import { idempotencyKeyHeader } from './idempotency-key.ts';
import { isUnsafe, mergeProblems, platformProblems, takesIdempotencyKey, type ProblemDeclaration } from './platform-problems.ts';
import { problemMediaType, problemSchema } from './problem.ts';
import { refuseMalformedQuery } from './query-encoding.ts';
import { credentialLimit, type CredentialAccount } from './rate-limit.ts';
import { markRoute } from './route-marks.ts';
import { noBody, strictJson } from './strict-json.ts';

const descriptions: Record<number, string> = {
  400: 'The request is malformed or fails validation; `errors` lists each field.',
  401: 'No valid credentials.',
  403: 'The caller may not do this.',
  404: 'The resource does not exist.',
  409: 'The request conflicts with the current state, or a request with the same `Idempotency-Key` is still being processed.',
  412: 'The resource changed since it was read (stale `If-Match`).',
  413: 'The request body is too large; the connection is closed after this answer.',
  415: 'The request body is not of the media type the operation reads (JSON, or a form where declared), in UTF-8.',
  422: 'The request is well-formed but breaks a domain rule, or reuses an `Idempotency-Key` for a different request.',
  428: 'The operation needs `If-Match` with the ETag last read (RFC 6585).',
  429: 'Too many requests from this client IP address or client; `Retry-After` says when to try again, `RateLimit` and `RateLimit-Policy` which budget is spent.',
  500: 'An unexpected error; the body reveals no internals.',
  502: 'A module this operation called answered badly.',
  503: 'The module, or one it depends on, is unavailable; `Retry-After` says when to try again.',
  504: 'The module, or one it depends on, did not answer in time.',
};

const rateLimitHeaders = {
  'Retry-After': { schema: { type: 'integer' as const, minimum: 1 }, description: 'Seconds until the spent budget has points again.' },
  RateLimit: {
    schema: { type: 'string' as const },
    description: 'Points left and seconds to the window end, per policy (draft-ietf-httpapi-ratelimit-headers).',
  },
  'RateLimit-Policy': { schema: { type: 'string' as const }, description: 'Each policy that applied: points (`q`) per window (`w`, seconds).' },
};

/** The fields a route adds to the problems it answers with at `status` (see `ContractRouteConfig.problemFields`). */
export type ProblemFields = (status: number) => z.ZodRawShape | undefined;

/**
 * OpenAPI response entries for problem statuses, each listing the codes it may carry, and the route's own fields
 * (`problemFields`) where it adds some.
 */
export function problemResponses(declaration: ProblemDeclaration, fields?: ProblemFields) {
  return Object.fromEntries(
    Object.entries(declaration).map(([status, codes = []]) => [
      status,
      {
        description: `${descriptions[Number(status)] ?? 'Problem'} Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
        ...(status === '429' ? { headers: rateLimitHeaders } : {}),
        content: {
          [problemMediaType]: { schema: problemSchema.extend({ code: z.enum(codes as [string, ...string[]]), ...fields?.(Number(status)) }) },
        },
      },
    ]),
  );
}

type ContractRouteConfig = Omit<RouteConfig, 'path' | 'deprecated' | 'security'> & {
  path: string;
  /** Who may call it: `'public'`, or the scopes (and calling modules) it accepts. Required: see `Access`. */
  access: Access;
  /** The problems the route's own code answers with, by status: `{ 404: ['catalog/product-not-found'] }`. */
  errors?: ProblemDeclaration;
  /**
   * Fields the route's answers add to every problem of a status, the platform's included (the OAuth endpoints add
   * `error` and `error_description`, RFC 6749 §5.2): the OpenAPI document only. The route's middleware adds them.
   */
  problemFields?: ProblemFields;
  deprecated?: RouteDeprecation;
  /**
   * `false`: the operation takes no `Idempotency-Key` and its answers are never stored for replay, for operations
   * whose answers carry credentials (tokens, client secrets) that must not rest in a table.
   */
  idempotencyKey?: false;
  /**
   * The operation checks a credential (a password, a client secret) or creates an account: it gets the strict
   * credential rate limit, per client IP and per account tried (an HTTP Basic user, and each of `accounts` whose
   * secret is in the form), and answers 503 rather than go unthrottled when the limit store is down. See
   * `credentialLimit`.
   */
  credentials?: { accounts: readonly CredentialAccount[] };
};

type ObjectSchema = z.ZodObject<z.ZodRawShape>;

function requiresIfMatch(headers: unknown): boolean {
  const shape = (headers as ObjectSchema | undefined)?.shape;
  const ifMatch = shape?.['if-match'] as z.ZodType | undefined;
  return ifMatch !== undefined && !ifMatch.safeParse(undefined).success;
}

/**
 * `createRoute`, with every response the operation can give declared by construction: the route's own `errors`,
 * plus the platform's (validation, body limits, idempotency keys, upstream failures; see `platformProblems`), each
 * status with its codes. At run time the same declaration is enforced: a problem the operation did not declare is
 * logged as an error, and in `fail` mode (tests) replaced by a 500.
 *
 * Unsafe operations of a module also document the `Idempotency-Key` header. A route declared
 * `deprecated: { since, sunset, link? }` is marked `deprecated` in OpenAPI, and every response it gives carries
 * `Deprecation`, `Sunset` and `Link` headers.
 *
 * @example
 * export const getProduct = contractRoute({ method: 'get', path: '/catalog/v1/products/{id}', errors: { 404: ['catalog/product-not-found'] }, ... });
 */
export function contractRoute<const R extends ContractRouteConfig>(config: R) {
  const { errors = {}, deprecated, access, idempotencyKey, credentials, problemFields, ...route } = config;
  if (access === undefined)
    throw new Error(`${route.method.toUpperCase()} ${route.path} declares no access: say 'public', or which scopes or modules may call it.`);
  const request: NonNullable<RouteConfig['request']> = route.request ?? {};
  const hasBody = request.body !== undefined;
  // A form body (RFC 6749 endpoints) only when the operation reads no JSON: one body media type per operation.
  const content = request.body?.content ?? {};
  const form = formMediaType in content && !('application/json' in content);
  const keyed = takesIdempotencyKey(route.method, route.path) && idempotencyKey !== false;
  const shape = {
    method: route.method,
    path: route.path,
    hasInput: hasBody || request.params !== undefined || request.query !== undefined || request.headers !== undefined,
    body: hasBody ? (form ? ('form' as const) : ('json' as const)) : undefined,
    keyed,
    ifMatchRequired: requiresIfMatch(request.headers),
    authenticated: access !== 'public',
    credentials: credentials !== undefined,
  };
  const problems = mergeProblems(platformProblems(shape), errors);
  const headers = keyed ? ((request.headers as ObjectSchema | undefined) ?? z.object({})).extend({ 'Idempotency-Key': idempotencyKeyHeader }) : request.headers;
  const own = route.middleware === undefined ? [] : [route.middleware].flat();
  const contract = {
    operation: `${route.method.toUpperCase()} ${route.path}`,
    request: { ...request, ...(headers ? { headers } : {}) },
    problems,
    idempotencyKey: keyed,
  };
  // An unsafe operation that reads no body still gets one checked: none, or `{}`, and nothing else (see `noBody`).
  const bodyReader = !hasBody ? (isUnsafe(route.method) ? [noBody()] : []) : form ? [formBody()] : [strictJson()];
  // The route's first middleware carries what app-wide middleware must know before the route's own runs.
  // An operation that reads a query refuses one that is not valid percent-encoding (the router would pass it on raw).
  const declaration = declareRoute(contract, request.query ? refuseMalformedQuery : undefined);
  const declared = markRoute(declaration, idempotencyKey === false ? { access, contract, noIdempotencyKey: true } : { access, contract });
  let full: Record<string, unknown> = {
    ...route,
    request: contract.request,
    responses: { ...problemResponses(problems, problemFields), ...route.responses },
    security: securityOf(access),
    ...(access === 'public' ? {} : { 'x-cleave-access': { scopes: access.scopes ?? [], modules: access.modules ?? [] } }),
    // First: the operation is known to whatever answers, validation included; the body is read strictly before
    // the validators parse it.
    // The credential limit reads the account from the parsed form, so it follows the body reader.
    middleware: [declared, ...bodyReader, ...(credentials ? [credentialLimit(credentials.accounts)] : []), ...own],
  };
  if (deprecated) full = deprecate(full, deprecated);
  const created = createRoute(full as Parameters<typeof createRoute>[0]);
  routeMetadata.set(created, { contract, access, deprecation: deprecated ? deprecationHeaderValues(deprecated) : undefined });
  return created as unknown as Omit<R, 'errors' | 'deprecated' | 'access' | 'idempotencyKey' | 'credentials' | 'problemFields'> & { getRoutingPath(): string };
}

/**
 * What route middleware does on the HTTP path, as data for calls that skip HTTP: the operation's declared problems
 * and its deprecation headers.
 */
export interface RouteMetadata {
  contract: RouteContract;
  access: Access;
  deprecation: ReturnType<typeof deprecationHeaderValues> | undefined;
}

const routeMetadata = new WeakMap<object, RouteMetadata>();

/** The metadata of a route made by `contractRoute`. */
export function routeMetadataOf(route: object): RouteMetadata | undefined {
  return routeMetadata.get(route);
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
