import type { Context, MiddlewareHandler } from 'hono';
import { isDomainError, problem, problemMediaType, problemResponse, type AppEnv } from '../../../platform/http/index.ts';

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
 * `Retry-After`; `invalid_request` for the rest (a malformed form, a field that fails validation, 415).
 */
export function oauthResponses(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.header('cache-control', 'no-store');
    c.header('pragma', 'no-cache');
    await next();
    const res = c.res;
    const status = res.status;
    const oauth = (status >= 400 && status < 500) || status === 503;
    if (!c.get('route') || !oauth || !res.headers.get('content-type')?.startsWith(problemMediaType)) return;
    const body = (await res.clone().json()) as Record<string, unknown>;
    if (typeof body.error === 'string') return;
    // Not `invalid_request` for a 429 or 503: clients treat that as their own bug, never to be retried.
    const error = status === 401 ? 'invalid_client' : status === 429 || status === 503 ? 'temporarily_unavailable' : 'invalid_request';
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    c.res = new Response(JSON.stringify({ ...body, error, error_description: body.detail ?? body.title }), { status, headers });
  };
}
