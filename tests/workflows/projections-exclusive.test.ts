/**
 * On the embedded database a host opens itself (only its process writes it), the projection runner does not poll
 * every sweep: each module transaction's commit wakes it, and its poll (30 s) is only a safety net. Writes made after
 * its first pass must still reach the read model at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../platform/host/index.ts';
import { call, eventually, testConfig, testLogger } from '../support/test-host.ts';
import { identityModule } from '../../modules/identity/index.ts';
import { tallyModule } from './tally/module.ts';

describe('projections on a host-opened PGlite', () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost({ config: testConfig({ DATA_DIR: 'memory' }), modules: [tallyModule({}), identityModule], logger: testLogger() });
  });
  afterAll(() => host?.stop());

  it('reach the read model after each commit, without waiting for the safety-net poll', async () => {
    // Past the runner's first pass, which finds nothing: from here only a wake brings it back within 30 s.
    await new Promise((r) => setTimeout(r, 500));
    for (const [id, deposits] of [
      ['x-1', 2],
      ['x-2', 3],
    ] as const) {
      expect((await call(host, 'POST', `/tally/v1/accounts/${id}`, { owner: id })).status).toBe(201);
      for (let i = 0; i < deposits; i++) expect((await call(host, 'POST', `/tally/v1/accounts/${id}/deposits`, { amount: 10, note: 'n' })).status).toBe(201);
      // Well inside the 30 s poll, and generous for a few milliseconds of work on a loaded machine.
      await eventually(async () => {
        const { items } = (await (await call(host, 'GET', '/tally/v1/balances')).json()) as { items: { id: string; balance: number }[] };
        expect(items.find((a) => a.id === id)?.balance).toBe(deposits * 10);
      }, 15_000);
    }
  });
});
