import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { contractRoute, createApp, createRouter, jsonContent, problem, problemResponse } from '../../../platform/http/index.ts';
import { testLogger } from '../../../tests/support/test-host.ts';
import { oauthResponses } from './oauth-errors.ts';

const token = contractRoute({
  method: 'post',
  path: '/identity/v1/token',
  access: 'public',
  credentials: { accounts: [{ field: 'client_id', secret: 'client_secret', basic: true }] },
  request: { body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ grant_type: z.string() }) } }, required: true } },
  idempotencyKey: false,
  responses: { 200: { description: 'ok', content: jsonContent(z.object({ ok: z.boolean() })) } },
});

/** A token endpoint whose credential limit's store is down: the platform's 503 as the rate limiter answers it. */
function storeDown() {
  const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
  const router = createRouter();
  router.use('/identity/v1/token', oauthResponses());
  router.openapi(
    token,
    (c) =>
      // As the rate limiter answers before a handler: a problem response, which the route's typed answers do not list.
      problemResponse(c, problem({ status: 503, code: 'http/rate-limit-unavailable', detail: 'The rate limit store is unavailable.' }), {
        'retry-after': '5',
      }) as never,
  );
  app.route('/', router);
  return app;
}

describe('OAuth errors of the platform', () => {
  it('a 503 of the token endpoint is temporarily_unavailable, keeping its code, status and Retry-After', async () => {
    const response = await storeDown().request('/identity/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      status: 503,
      code: 'http/rate-limit-unavailable',
      error: 'temporarily_unavailable',
      error_description: 'The rate limit store is unavailable.',
    });
  });
});
