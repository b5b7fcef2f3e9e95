import { z } from '@hono/zod-openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { defineContract } from '../../platform/contracts/index.ts';
import { defineModule, moduleDocument } from '../../platform/host/index.ts';
import { CleaveError, contractRoute, createApp, createRouter } from '../../platform/http/index.ts';
import { testLogger } from '../support/test-host.ts';

const thing = z.object({ id: z.string() }).openapi('Thing');
const json = { 'application/json': { schema: thing } };
const params = z.object({ id: z.string().regex(/^\d+$/).openapi({ param: { name: 'id', in: 'path' } }) });
const link = 'https://example.com/deprecations/things-v1';

const oldRoute = contractRoute({
  method: 'get',
  path: '/demo/v1/things/{id}',
  access: 'public',
  summary: 'Get a thing (old)',
  description: 'Reads one thing.',
  deprecated: { since: '2026-01-15', sunset: '2027-06-30', link },
  request: { params },
  errors: { 404: ['demo/thing-not-found'] },
  responses: { 200: { description: 'The thing', content: json } },
});

const newRoute = contractRoute({
  method: 'get',
  path: '/demo/v2/things/{id}',
  access: 'public',
  summary: 'Get a thing',
  request: { params },
  errors: { 404: ['demo/thing-not-found'] },
  responses: { 200: { description: 'The thing', content: json } },
});

function demoApp() {
  const router = createRouter();
  const handler = (id: string, setLink: (value: string) => void) => {
    if (id === '0') throw new CleaveError('not_found', 'demo/thing-not-found', `No thing ${id}.`);
    if (id === '2') setLink('</demo/v1/things/3>; rel="next"');
    return { id };
  };
  router.openapi(oldRoute, (c) => c.json(handler(c.req.valid('param').id, (v) => c.header('Link', v)), 200));
  router.openapi(newRoute, (c) => c.json(handler(c.req.valid('param').id, (v) => c.header('Link', v)), 200));
  const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
  app.route('/', router);
  return { app, router };
}

const deprecationHeaders = (response: Response) => ({
  deprecation: response.headers.get('deprecation'),
  sunset: response.headers.get('sunset'),
  link: response.headers.get('link'),
});

const expected = {
  // RFC 9745: a Structured Fields Date, seconds since the epoch of 2026-01-15T00:00:00Z.
  deprecation: `@${Date.UTC(2026, 0, 15) / 1000}`,
  // RFC 8594: an IMF-fixdate.
  sunset: 'Wed, 30 Jun 2027 00:00:00 GMT',
  link: `<${link}>; rel="deprecation"`,
};

describe('a route declared deprecated', () => {
  const { app, router } = demoApp();

  it('answers with Deprecation, Sunset and Link on success', async () => {
    const response = await app.request('/demo/v1/things/1');
    expect(response.status).toBe(200);
    expect(deprecationHeaders(response)).toEqual(expected);
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers with them on a problem the handler raised', async () => {
    const response = await app.request('/demo/v1/things/0');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(deprecationHeaders(response)).toEqual(expected);
  });

  it('answers with them on a validation problem', async () => {
    const response = await app.request('/demo/v1/things/abc');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('http/validation-failed');
    expect(deprecationHeaders(response)).toEqual(expected);
  });

  it('keeps a Link header the handler set, adding the deprecation link', async () => {
    const response = await app.request('/demo/v1/things/2');
    expect(response.headers.get('link')).toBe(`</demo/v1/things/3>; rel="next", ${expected.link}`);
  });

  it('leaves other routes alone, on success and on problems', async () => {
    for (const path of ['/demo/v2/things/1', '/demo/v2/things/0', '/demo/v2/things/abc', '/nowhere']) {
      expect(deprecationHeaders(await app.request(path))).toEqual({ deprecation: null, sunset: null, link: null });
    }
  });

  it('is marked deprecated in the OpenAPI document, with x-sunset, a note and the headers documented', async () => {
    const contract = defineContract('demo', { routes: { oldRoute, newRoute } });
    const document = moduleDocument(defineModule({ name: 'demo', version: '1.0.0', owner: 'team-demo', costCentre: 'cc-test', description: 'Demo', contract, migrations: '', routes: () => router }));
    const paths = (document as { paths: Record<string, Record<string, Record<string, unknown>>> }).paths;
    const old = paths['/demo/v1/things/{id}']?.get ?? {};
    expect(old).toMatchObject({ deprecated: true, 'x-sunset': '2027-06-30' });
    expect(old).not.toHaveProperty('middleware');
    expect(old.description).toBe(`Reads one thing.\n\n**Deprecated** since 2026-01-15; sunset 2027-06-30, after which it may be removed. See ${link}.`);
    const responses = old.responses as Record<string, { headers?: Record<string, unknown> }>;
    for (const status of ['200', '400', '404', '500']) expect(Object.keys(responses[status]?.headers ?? {})).toEqual(['Deprecation', 'Sunset', 'Link']);
    const current = paths['/demo/v2/things/{id}']?.get ?? {};
    expect(current).not.toHaveProperty('deprecated');
    expect(current).not.toHaveProperty('x-sunset');
    const validator = new Validator();
    expect((await validator.validate(document as Record<string, unknown>)).valid).toBe(true);
  });
});

describe('declaring a deprecation', () => {
  const declare = (deprecated: { since: string; sunset: string; link?: string }) => () =>
    contractRoute({ method: 'get', path: '/demo/v1/x', access: 'public', deprecated, responses: { 200: { description: 'ok' } } });

  it('refuses a sunset earlier than the deprecation (RFC 9745 §4)', () => {
    expect(declare({ since: '2027-01-01', sunset: '2026-12-31' })).toThrow(/earlier than deprecated.since/);
  });

  it('refuses dates that are not ISO 8601', () => {
    expect(declare({ since: '15/01/2026', sunset: '2027-06-30' })).toThrow(/not an ISO 8601 date/);
    expect(declare({ since: '2026-01-15', sunset: '2027-02-30' })).toThrow(/not an ISO 8601 date/);
  });

  it('refuses a link that cannot go in a Link header', () => {
    expect(declare({ since: '2026-01-15', sunset: '2027-06-30', link: 'https://example.com/a b' })).toThrow(/not a URI/);
  });

  it('takes a date-time with an offset', () => {
    expect(declare({ since: '2026-01-15T12:00:00+02:00', sunset: '2027-06-30T00:00:00Z' })).not.toThrow();
  });
});
