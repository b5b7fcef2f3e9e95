import process from 'node:process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { serve, type Host, type RunningServer } from '../../platform/host/index.ts';
import { postgresTestDatabase, testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { answerValidator, changedValues } from '../support/fuzz/checks.ts';
import { operations, requestFor, type FuzzRequest, type Operation } from '../support/fuzz/requests.ts';
import type { Schema } from '../support/fuzz/schema-arbitrary.ts';
import { startTestHost } from '../support/test-host.ts';

/** Requests per operation and run; `FUZZ_RUNS=500 npx vitest run --config vitest.integration.config.ts tests/http` for a longer hunt. */
// The platform's answers to a request that breaks its contract.
const refusals = ['http/validation-failed', 'http/malformed-json', 'http/malformed-form', 'http/precondition-required', 'http/unsupported-media-type'];
const runs = Number(process.env.FUZZ_RUNS ?? 40);
/**
 * With PostgreSQL beside it, PGlite's run is shorter: the same routes and validation on another engine, at some 40 ms
 * a request under load (three times PostgreSQL's), so 40 runs there took some 170 s of `npm test`. Without PostgreSQL it
 * is the only run and makes all of them.
 */
const runsOn = (database: string) => (database === 'pglite' && postgresTestDatabase && !process.env.FUZZ_RUNS ? 15 : runs);

describe.each(testDatabases)('every operation of /openapi.json, fuzzed over HTTP, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let server: RunningServer;
  let doc: Schema;
  let validate: ReturnType<typeof answerValidator>;
  /** Products that exist, so generated ids often reach one. */
  const ids: string[] = [];

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, modules, env: { DEMO_DATA: 'true' } });
    await host.seed();
    server = await serve(host, { host: '127.0.0.1', port: 0 });
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Schema;
    validate = answerValidator(doc);
    const page = (await (await fetch(`${server.url}/catalog/v1/products?limit=100`)).json()) as { items: { id: string }[] };
    ids.push(...page.items.map((p) => p.id));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await host?.stop();
    await database?.close();
  });

  async function send(request: FuzzRequest): Promise<Response> {
    return fetch(`${server.url}${request.target}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body ? { body: request.body as Uint8Array<ArrayBuffer> } : {}),
    });
  }

  /** Everything the issue asks of one exchange; returns what went wrong, in words. */
  async function judge(op: Operation, request: FuzzRequest): Promise<string[]> {
    let response: Response;
    try {
      response = await send(request);
    } catch (error) {
      return [`connection dropped: ${String((error as Error).cause ?? error)}`];
    }
    const text = await response.text();
    const problems: string[] = [];
    const declared = Object.keys(op.spec.responses as object);
    if (response.status >= 500) problems.push(`answered ${response.status}: ${text.slice(0, 300)}`);
    if (!declared.includes(String(response.status)))
      problems.push(`answered ${response.status}, which the operation does not declare (${declared.join(', ')}): ${text.slice(0, 200)}`);
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0] ?? '';
    const json = /^application\/([\w.-]+\+)?json$/.test(mediaType);
    // Both ways: what the document accepts, the server accepts. A validation problem here means validation is stricter
    // than the contract; other 400s are the operation's own answers (OAuth errors are 400 by RFC 6749 §5.2).
    const code = json && response.status >= 400 ? (JSON.parse(text) as { code?: unknown }).code : undefined;
    if (request.valid && typeof code === 'string' && refusals.includes(code)) problems.push(`refused a request its contract accepts: ${text.slice(0, 300)}`);
    if (response.status >= 400 && mediaType !== 'application/problem+json') problems.push(`answered ${response.status} as ${mediaType}, not problem+json`);
    const check = text === '' || !json ? undefined : validate(op, response.status, mediaType);
    if (check && !check(JSON.parse(text)))
      problems.push(`answer ${response.status} does not match its schema: ${JSON.stringify(check.errors?.slice(0, 3))} in ${text.slice(0, 300)}`);
    if (response.status < 300 && request.sent !== undefined && text !== '' && json) {
      const stored = JSON.parse(text) as { id?: unknown };
      problems.push(...changedValues(request.sent, stored).map((c) => `answer differs from what was accepted: ${c}`));
      if (op.path === '/catalog/v1/products' && op.method === 'POST' && typeof stored.id === 'string') ids.push(stored.id);
      const location = response.headers.get('location');
      if (location) {
        const reread = await fetch(`${server.url}${location}`);
        problems.push(...changedValues(request.sent, await reread.json()).map((c) => `stored value differs from what was accepted: ${c}`));
      }
    }
    return problems;
  }

  it('no 5xx, no dropped connection, no undeclared status, answers match their schemas, accepted values stored as sent', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const op of operations(doc)) {
      await fc
        .assert(
          fc.asyncProperty(
            requestFor(doc, op, () => ids),
            async (request) => {
              sent++;
              const problems = await judge(op, request);
              if (problems.length > 0)
                failures.push(
                  `${request.method} ${request.target} ${JSON.stringify(request.headers)} ${request.body ? JSON.stringify(new TextDecoder().decode(request.body)).slice(0, 300) : ''}\n    ${problems.join('\n    ')}`,
                );
              return problems.length === 0;
            },
          ),
          { numRuns: runsOn(testDatabase.name), endOnFailure: true },
        )
        .catch(() => {});
    }
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(operations(doc).length * runsOn(testDatabase.name));
  }, 600_000);
});
