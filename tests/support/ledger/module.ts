import { fileURLToPath } from 'node:url';
import { z } from '@hono/zod-openapi';
import { count, sum } from 'drizzle-orm';
import { catalogContract } from '../../../modules/catalog/index.ts';
import { defineContract } from '../../../platform/contracts/index.ts';
import { CleaveError, contractRoute, createRouter, jsonContent } from '../../../platform/http/index.ts';
import { defineModule, type ModuleContext } from '../../../platform/host/index.ts';
import { entries } from './schema.ts';

/** Steers the ledger's handler from a test, at the point where its effect is done but its answer is not. */
export interface LedgerControls {
  /** Called once the entry is written (inside the request's transaction when it is held). */
  reached?: () => void;
  /** Given the handler's abort signal (`c.req.raw.signal`), after the entry is written. */
  signal?: (signal: AbortSignal) => void;
  /** Awaited after the entry is written, before the answer. */
  pause?: Promise<void>;
  /** Throw after the entry is written. */
  failAfterEffect?: boolean;
  /** Call catalog (in this process) after the entry is written. */
  callCatalogAfterEffect?: boolean;
  /** Throw a domain error inside the transaction, after writing the entry. */
  refuseInsideTransaction?: boolean;
}

const entrySchema = z.object({ amount: z.number().int(), total: z.number().int() });

const addEntry = contractRoute({
  method: 'post',
  path: '/ledger/v1/entries',
  // Any authenticated caller: keys are then scoped by who called.
  access: {},
  request: { body: { content: jsonContent(z.object({ amount: z.number().int() }).strict()), required: true } },
  errors: { 409: ['ledger/refused'], 422: ['ledger/amount-not-positive'] },
  responses: { 201: { description: 'Written', content: jsonContent(entrySchema) } },
});

const totals = contractRoute({
  method: 'get',
  path: '/ledger/v1/entries',
  access: 'public',
  responses: { 200: { description: 'Totals', content: jsonContent(z.object({ count: z.number().int(), total: z.number().int() })) } },
});

export const ledgerContract = defineContract('ledger', { routes: { addEntry, totals } });

async function readTotals(ctx: ModuleContext) {
  const [row] = await ctx.db.select({ count: count(), total: sum(entries.amount) }).from(entries);
  return { count: Number(row?.count ?? 0), total: Number(row?.total ?? 0) };
}

/**
 * A module that exists only in tests: each POST adds an entry (not idempotent by itself), so an
 * `Idempotency-Key` is all that stands between a retry and a second entry.
 */
export function ledgerModule(controls: LedgerControls = {}) {
  return defineModule({
    name: 'ledger',
    version: '0.0.0',
    owner: 'tests',
    costCentre: 'cc-test',
    description: 'Test module with a non-idempotent effect.',
    contract: ledgerContract,
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    data: { entries: { classification: 'internal', retention: '30d' } },
    uses: [catalogContract],
    routes(ctx) {
      const app = createRouter();
      app.openapi(addEntry, async (c) => {
        const { amount } = c.req.valid('json');
        if (amount <= 0) throw new CleaveError('invalid', 'ledger/amount-not-positive', 'An entry adds a positive amount.');
        await ctx.transaction(async (tx) => {
          await tx.insert(entries).values({ amount });
          if (controls.refuseInsideTransaction) throw new CleaveError('conflict', 'ledger/refused', 'Refused after writing, so nothing is written.');
        });
        controls.reached?.();
        controls.signal?.(c.req.raw.signal);
        await controls.pause;
        if (controls.failAfterEffect) throw new Error('failed after the effect');
        if (controls.callCatalogAfterEffect) await ctx.client(catalogContract).listProducts({ query: { limit: 1 } });
        return c.json({ amount, total: (await readTotals(ctx)).total }, 201);
      });
      app.openapi(totals, async (c) => c.json(await readTotals(ctx), 200));
      return app;
    },
  });
}
