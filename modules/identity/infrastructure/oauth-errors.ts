import type { Context, MiddlewareHandler } from 'hono';
import { isDomainError, markRoute, problem, problemMediaType, problemResponse, type AppEnv } from '../../../platform/http/index.ts';
import { platformOAuthError } from '../contract/oauth.schemas.ts';

/** Whether a use case's error is an OAuth error (RFC 6749 §5.2): it carries the `error` code. */
export function isOAuthError(error: unknown): error is { code: string; message: string; details: { error: string } } {
  return isDomainError(error) && typeof (error.details as { error?: unknown } | undefined)?.error === 'string';
}

/**
 * An OAuth error as the token and revocation endpoints answer it: 400 (401 for `invalid_client`, RFC 6749 §5.2), a
 * problem that also carries `error` and `error_description`. A 401 always names the scheme that authenticates a client
 * (`WWW-Authenticate: Basic`): RFC 6749 requires it when the client tried HTTP Basic, and RFC 9110 §15.5.2 of every
 * 401, so a client that sent its secret in the form, or none, learns how it may authenticate too.
 */
export function oauthErrorResponse(c: Context<AppEnv>, error: { code: string; message: string; details: Record<string, unknown> }): Response {
  const status = error.details.error === 'invalid_client' ? 401 : 400;
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Basic realm="cleave", charset="UTF-8"' } : {};
  const body = problem({
    status,
    code: error.code,
    detail: error.message,
    instance: c.req.path,
    requestId: c.get('requestId'),
    extensions: { ...error.details, error_description: error.message },
  });
  return problemResponse(c, body, headers);
}

/**
 * Router middleware for the OAuth endpoints: every answer is `Cache-Control: no-store` (RFC 6749 §5.1), and problems
 * the platform answered before the handler get an error code too, so OAuth clients read every failure the same way:
 * `temporarily_unavailable` for a rate limit (429) or a store that is down (503), which a client may retry after
 * `Retry-After`; `invalid_request` for the rest (a malformed form, a field that fails validation, 415, 413). The
 * refusals the edge answers before this middleware runs (the body limit's 413, a content coding's 415, the per-IP
 * 429) get the same through the route's `earlyAnswer` mark.
 */
export function oauthResponses(): MiddlewareHandler<AppEnv> {
  return markRoute(
    async (c, next) => {
      c.header('cache-control', 'no-store');
      c.header('pragma', 'no-cache');
      await next();
      if (c.get('route')) await asOAuthAnswer(c);
    },
    { earlyAnswer: asOAuthAnswer },
  );
}

/** A problem answered on an OAuth endpoint, with its OAuth `error` (if it has none yet) and never stored by a cache. */
async function asOAuthAnswer(c: Context<AppEnv>): Promise<void> {
  const res = c.res;
  const status = res.status;
  const added = platformOAuthError(status);
  const body = added && res.headers.get('content-type')?.startsWith(problemMediaType) ? ((await res.clone().json()) as Record<string, unknown>) : undefined;
  // A problem without its OAuth error gets one (the same the routes' OpenAPI declares).
  const error = body === undefined || typeof body.error === 'string' ? undefined : added;
  if (error === undefined && res.headers.get('cache-control') === 'no-store') return;
  const headers = new Headers(res.headers);
  headers.set('cache-control', 'no-store');
  headers.set('pragma', 'no-cache');
  if (error === undefined) {
    c.res = new Response(res.body, { status, headers });
    return;
  }
  headers.delete('content-length');
  c.res = new Response(JSON.stringify({ ...body, error, error_description: body?.detail ?? body?.title }), { status, headers });
}
