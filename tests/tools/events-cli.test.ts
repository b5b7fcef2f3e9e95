import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../platform/host/index.ts';
import { serve, type RunningServer } from '../../platform/host/serve.ts';
import { pointInTime, toCommand } from '../../tools/events/args.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { freePort } from '../support/process-host.ts';
import { runTool } from '../support/run-tool.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import { adminToken } from '../support/tokens.ts';

const tool = resolve('tools/events/main.ts');

/** Runs the CLI as an operator would, without blocking the event loop that serves the host it talks to. */
const events = (args: string[], token?: string) => runTool(tool, args, token === undefined ? {} : { CLEAVE_TOKEN: token });

describe('npm run events: arguments', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  it('reads a point in time as an ISO time or an age', () => {
    expect(pointInTime('6h', now)).toBe('2026-11-30T06:00:00.000Z');
    expect(pointInTime('2d', now)).toBe('2026-11-28T12:00:00.000Z');
    expect(pointInTime('2026-11-29T10:00:00+01:00', now)).toBe('2026-11-29T09:00:00.000Z');
    expect(() => pointInTime('yesterday', now)).toThrow('neither an ISO time nor an age');
    // Date.parse would read these as 2 March and 1 May; a day the calendar lacks is refused, not moved.
    expect(() => pointInTime('2026-02-30', now)).toThrow('a day the calendar does not have');
    expect(() => pointInTime('2026-04-31T10:00:00Z', now)).toThrow('a day the calendar does not have');
    expect(pointInTime('2028-02-29', now)).toBe('2028-02-29T00:00:00.000Z');
    expect(() => pointInTime('99999999999d', now)).toThrow('before any time a date can hold');
    // The refusal names the option it came from.
    expect(() => toCommand(['audit'], { url: 'http://127.0.0.1:3000', module: 'catalog', since: '2026-02-30' }, now)).toThrow(/^--since "2026-02-30"/);
    expect(() => toCommand(['audit'], { url: 'http://127.0.0.1:3000', module: 'catalog', since: '1h', until: '99999999999d' }, now)).toThrow(/^--until /);
  });

  it('refuses what it cannot do, saying what is missing', () => {
    const url = 'http://127.0.0.1:3000';
    const letter = '01938c2e-7d5f-7000-8000-000000000001';
    expect(() => toCommand([], { url }, now)).toThrow('name one action');
    expect(() => toCommand(['replay', letter], { url }, now)).toThrow(`replay takes no argument after it ("${letter}"): give values by option (--id)`);
    expect(() => toCommand(['subscriptions', 'a', 'b'], { url }, now)).toThrow(/^subscriptions takes no arguments after it \("a" "b"\)$/);
    expect(() => toCommand(['audit'], {}, now)).toThrow('--url');
    expect(() => toCommand(['audit'], { url }, now)).toThrow('needs --module');
    expect(() => toCommand(['redrive'], { url, module: 'catalog' }, now)).toThrow('needs --since');
    expect(() => toCommand(['redrive'], { url, module: 'catalog', since: '1h', mode: 'some' }, now)).toThrow('--mode must be missing or all');
    expect(() => toCommand(['replay'], { url }, now)).toThrow('needs --id');
    // `..` became POST /ops/replay: an id is a UUID or refused before anything is sent.
    for (const id of ['..', '.', 'x/../../registry', '01938c2e-7d5f-7000-8000-00000000000'])
      expect(() => toCommand(['replay'], { url, id }, now)).toThrow("--id must be a dead letter's id");
    expect(toCommand(['replay'], { url, id: '01938C2E-7D5F-7000-8000-000000000001' }, now)).toMatchObject({ id: '01938C2E-7D5F-7000-8000-000000000001' });
    expect(() => toCommand(['discard'], { url, reason: 'gone' }, now)).toThrow('needs --id');
    expect(() => toCommand(['discard'], { url, id: letter, reason: '  ' }, now)).toThrow('needs --reason');
    expect(toCommand(['discard'], { url, id: letter, reason: ' handler retired ' }, now)).toEqual({
      action: 'discard',
      url,
      id: letter,
      reason: 'handler retired',
    });
    expect(() => toCommand(['audit'], { url, module: 'catalog', since: '1h', until: '2h' }, now)).toThrow('--until (');
    // What the host would refuse only after the fact (a 400 or 404, exit 3), refused here as bad usage.
    expect(() => toCommand(['discard'], { url, id: letter, reason: 'x'.repeat(501) }, now)).toThrow(
      '--reason is 501 characters; the audit trail keeps at most 500',
    );
    expect(toCommand(['discard'], { url, id: letter, reason: 'x'.repeat(500) }, now)).toMatchObject({ reason: 'x'.repeat(500) });
    for (const consumer of ['bad', 'inventory:', ':create', 'Inventory:x', 'inventory:a b', 'a:b:c'])
      expect(() => toCommand(['audit'], { url, module: 'catalog', since: '1h', consumer }, now)).toThrow(`--consumer must name a consumer`);
    expect(() => toCommand(['audit'], { url, module: 'catalog', since: '2099-01-01T00:00:00Z' }, now)).toThrow(
      '--since (2099-01-01T00:00:00.000Z) is in the future',
    );
    expect(() => toCommand(['redrive'], { url, module: 'catalog', since: '2026-01-02T00:00:00Z', until: '2026-01-02T00:00:00Z' }, now)).toThrow(
      'must be after --since',
    );
    expect(() => toCommand(['dead-letters'], { url, since: '1h' }, now)).toThrow('dead-letters does not take --since (it takes --module)');
    expect(() => toCommand(['replay'], { url, id: letter, reason: 'why' }, now)).toThrow('replay does not take --reason (it takes --id)');
    expect(() => toCommand(['audit'], { url, module: 'catalog', since: '1h', mode: 'all' }, now)).toThrow('audit does not take --mode');
    expect(() => toCommand(['subscriptions'], { url, module: 'catalog', id: 'x' }, now)).toThrow(
      'subscriptions does not take --module, --id (it takes no option but --url)',
    );
    expect(toCommand(['dead-letters'], { url, module: 'inventory' }, now)).toEqual({ action: 'dead-letters', url, module: 'inventory' });
    expect(toCommand(['audit'], { url: `${url}/`, module: 'catalog', since: '30m', consumer: 'inventory:create-stock-item' }, now)).toEqual({
      action: 'audit',
      url,
      module: 'catalog',
      since: '2026-11-30T11:30:00.000Z',
      consumer: 'inventory:create-stock-item',
    });
  });
});

describe('npm run events against a server that is not Cleave', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it.each([['subscriptions'], ['audit', '--module', 'catalog', '--since', '1h']])('%s: a 200 text/html answer exits 3 saying so', async (...args) => {
    const result = await events([...args, '--url', url]);
    expect(result.stderr.trim()).toBe(`events: ${url} did not answer with a Cleave JSON response; check --url`);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(3);
  });

  it('a password in --url is masked in what it prints', async () => {
    const result = await events(['subscriptions', '--url', url.replace('//', '//ops:s3cret@')]);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('ops:[redacted]@127.0.0.1');
    expect(result.stderr).not.toContain('s3cret');
  });
});

describe.each(testDatabases.slice(0, 1))('npm run events against a host on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let server: RunningServer;
  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database });
    server = await serve(host, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await host.stop();
    await database.close();
  });

  it('lists the subscriptions, redrives on the in-process bus, and says why it cannot audit it', async () => {
    const created = await call(host, 'POST', '/catalog/v1/products', { sku: 'CLI-1', name: 'Operated', price: { amount: 5, currency: 'EUR' } });
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));

    const operator = await adminToken(host, (p, init) => host.app.request(p, init));
    const refused = await events(['subscriptions', '--url', server.url]);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('set CLEAVE_TOKEN to an operator access token');
    const subscriptions = await events(['subscriptions', '--url', server.url], operator);
    expect(subscriptions.status).toBe(0);
    expect((JSON.parse(subscriptions.stdout) as { items: { consumer: string }[] }).items.map((s) => s.consumer)).toContain('inventory:create-stock-item');

    const audit = await events(['audit', '--url', server.url, '--module', 'catalog', '--since', '1h'], operator);
    expect(audit.status).toBe(3);
    expect(audit.stderr).toContain('events/cannot-audit');

    const redrive = await events(['redrive', '--url', server.url, '--module', 'catalog', '--since', '1h'], operator);
    expect(redrive.status).toBe(0);
    // One event, sent again in the version its one consumer takes (v2; catalog also serves v1, which nobody here
    // subscribes to, so it is not counted as sent); the inbox drops it.
    expect(JSON.parse(redrive.stdout)).toMatchObject({ mode: 'all', events: 1, republished: 1 });

    // A consumer that takes none of catalog's events (a typo) is refused, not told its events went out again.
    const nobody = await events(
      ['redrive', '--url', server.url, '--module', 'catalog', '--since', '1h', '--consumer', 'inventory:create-stock-items'],
      operator,
    );
    expect(nobody.status).toBe(3);
    expect(nobody.stderr).toContain('events/consumer-not-subscribed');
    expect(nobody.stderr).toContain('inventory:create-stock-items subscribes to no event of catalog');
    const one = await events(['redrive', '--url', server.url, '--module', 'catalog', '--since', '1h', '--consumer', 'inventory:create-stock-item'], operator);
    expect(JSON.parse(one.stdout)).toMatchObject({ mode: 'all', events: 1, republished: 1 });

    // A field the host refuses: the message carries each field's own words, not only the count in the detail.
    const badModule = await events(['redrive', '--url', server.url, '--module', 'catalog\uFEFF', '--since', '1h'], operator);
    expect(badModule.status).toBe(3);
    expect(badModule.stderr).toMatch(/answered 400 http\/validation-failed: .+ module [^\n]*U\+FEFF/);

    const tooOld = await events(['redrive', '--url', server.url, '--module', 'catalog', '--since', '30d'], operator);
    expect(tooOld.status).toBe(3);
    expect(tooOld.stderr).toContain('events/window-too-old');

    expect(await events(['dead-letters', '--url', server.url], operator)).toMatchObject({ status: 0 });
    // --module asks the host for that module's letters only, so a module it does not run is refused, not listed empty.
    expect(await events(['dead-letters', '--url', server.url, '--module', 'inventory'], operator)).toMatchObject({ status: 0 });
    const elsewhere = await events(['dead-letters', '--url', server.url, '--module', 'billing'], operator);
    expect(elsewhere.status).toBe(3);
    expect(elsewhere.stderr).toContain('events/module-not-hosted');
    const missing = await events(['discard', '--url', server.url, '--id', randomUUID(), '--reason', 'typo'], operator);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain('events/dead-letter-not-found');

    // Over HTTP too, an empty window is refused rather than answered with nothing to do.
    const since = new Date(Date.now() - 60_000).toISOString();
    const headers = { authorization: `Bearer ${operator}` };
    const emptyAudit = await host.app.request(`/ops/events/audit?${new URLSearchParams({ module: 'catalog', since, until: since })}`, { headers });
    expect(emptyAudit.status).toBe(400);
    expect(await emptyAudit.json()).toMatchObject({
      code: 'http/validation-failed',
      errors: [{ location: 'query', path: 'until', message: expect.stringContaining('after since') }],
    });
    const emptyRedrive = await host.app.request('/ops/events/redrive', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ module: 'catalog', since, until: new Date(Date.now() - 120_000).toISOString() }),
    });
    expect(emptyRedrive.status).toBe(400);
    expect(await emptyRedrive.json()).toMatchObject({ errors: [{ location: 'body', path: 'until' }] });
  });

  it('a redrive with no body, or one not sent as JSON, is 400 naming the body, not 404 for module "undefined"', async () => {
    const operator = await adminToken(host, (p, init) => host.app.request(p, init));
    const headers = { authorization: `Bearer ${operator}` };
    const none = await host.app.request('/ops/events/redrive', { method: 'POST', headers });
    expect(none.status).toBe(400);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(await none.json()).toMatchObject({ code: 'http/validation-failed' });
    const empty = await host.app.request('/ops/events/redrive', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    expect(await empty.json()).not.toMatchObject({ code: 'events/producer-not-hosted' });
  });

  it('exits 2 on bad usage and 3 when the host cannot be reached', async () => {
    const bad = await events(['audit', '--url', server.url]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: npm run events');
    const down = await events(['subscriptions', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(down.status).toBe(3);
    expect(down.stderr).toContain('could not reach');
  });
});
