/**
 * Event sourcing on Deno: the `tally` module hosted by a Deno process (PGlite in memory), driven over HTTP. Appends
 * with optimistic concurrency, the projection following the streams, and a rebuild swapped in, as on Node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { eventually } from '../support/test-host.ts';

interface View {
  id: string;
  owner: string | null;
  balance: number;
  version: number;
}

describe('event sourcing on Deno', { timeout: 120_000 }, () => {
  let host: ProcessHost;
  const post = (path: string, body: unknown) =>
    host.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const balances = async () => ((await (await host.fetch('/tally/v1/balances')).json()) as { items: View[] }).items;

  beforeAll(async () => {
    host = await startProcessHost({ entry: 'tests/workflows/support/tally-main.ts', runtime: 'deno' });
  }, 120_000);
  afterAll(() => host?.stop());

  it('appends with optimistic concurrency, projects the streams, and rebuilds the read model to the same rows', async () => {
    for (const id of ['deno-a', 'deno-b']) expect((await post(`/tally/v1/accounts/${id}`, { owner: id })).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await post('/tally/v1/accounts/deno-a/deposits', { amount: 10, note: `n${i}` })).status).toBe(201);
    const stale = await post('/tally/v1/accounts/deno-b/deposits', { amount: 1, note: 'stale', expectedVersion: 5 });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(await stale.json()).toMatchObject({ code: 'platform/stream-version-conflict' });

    const expected = [
      { id: 'deno-a', owner: 'deno-a', balance: 50, version: 6 },
      { id: 'deno-b', owner: 'deno-b', balance: 0, version: 1 },
    ];
    await eventually(async () => expect(await balances()).toEqual(expected), 30_000);

    expect((await host.fetch('/ops/projections/tally/account-balances/rebuild', { method: 'POST' })).status).toBe(202);
    await eventually(async () => {
      const { items } = (await (await host.fetch('/ops/projections')).json()) as { items: { name: string; rebuild: unknown; rebuiltAt: string | null }[] };
      expect(items.find((p) => p.name === 'account-balances')).toMatchObject({ rebuild: null, rebuiltAt: expect.any(String) });
    }, 60_000);
    expect(await balances()).toEqual(expected);
  });
});
