import { fileURLToPath } from 'node:url';
import { z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { defineContract } from '../../../platform/contracts/index.ts';
import { resultRows } from '../../../platform/db/index.ts';
import { CleaveError, contractRoute, createRouter, jsonContent } from '../../../platform/http/index.ts';
import { defineModule } from '../../../platform/host/index.ts';
import { account, balanceChanged } from './account.ts';
import { balances } from './balances.ts';

/** Steers the module from a test. */
export interface TallyControls {
  /** Throw inside the transaction, after the append and the outbox write: both must roll back. */
  failAfterAppend?: boolean;
}

const accountView = z.object({ id: z.string(), owner: z.string().nullable(), balance: z.number().int(), version: z.number().int() });
const idParam = z.object({ id: z.string().regex(/^[a-z0-9-]{1,40}$/) });

const open = contractRoute({
  method: 'post',
  path: '/tally/v1/accounts/{id}',
  access: {},
  request: { params: idParam, body: { content: jsonContent(z.object({ owner: z.string().min(1).max(40) }).strict()), required: true } },
  errors: { 409: ['platform/stream-version-conflict'] },
  responses: { 201: { description: 'Opened', content: jsonContent(accountView) } },
});

const deposit = contractRoute({
  method: 'post',
  path: '/tally/v1/accounts/{id}/deposits',
  access: {},
  request: {
    params: idParam,
    body: {
      content: jsonContent(
        z.object({ amount: z.number().int().positive(), note: z.string().max(40), expectedVersion: z.number().int().min(0).optional() }).strict(),
      ),
      required: true,
    },
  },
  errors: { 404: ['tally/no-account'], 409: ['platform/stream-version-conflict'] },
  responses: { 201: { description: 'Deposited', content: jsonContent(accountView) } },
});

const show = contractRoute({
  method: 'get',
  path: '/tally/v1/accounts/{id}',
  access: 'public',
  request: { params: idParam },
  errors: { 404: ['tally/no-account'] },
  responses: { 200: { description: 'The account, folded from its stream', content: jsonContent(accountView) } },
});

const list = contractRoute({
  method: 'get',
  path: '/tally/v1/balances',
  access: 'public',
  responses: { 200: { description: 'The read model', content: jsonContent(z.object({ items: z.array(accountView) })) } },
});

export const tallyContract = defineContract('tally', { routes: { open, deposit, show, list }, events: [balanceChanged] });

const noAccount = (id: string) => new CleaveError('not_found', 'tally/no-account', `No account ${id}.`);

/** A module that exists only in tests: an event-sourced account with a balances projection. */
export function tallyModule(controls: TallyControls = {}) {
  return defineModule({
    name: 'tally',
    version: '0.0.0',
    owner: 'tests',
    costCentre: 'cc-test',
    description: 'Test module with an event-sourced aggregate and a projection.',
    contract: tallyContract,
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    aggregates: [account],
    projections: [balances],
    routes(ctx) {
      const app = createRouter();
      app.openapi(open, async (c) => {
        const { id } = c.req.valid('param');
        const { owner } = c.req.valid('json');
        const version = await ctx.transaction(async (tx) => {
          const appended = await account.append(tx, id, 0, [{ type: 'opened', payload: { accountId: id, owner } }]);
          await ctx.outbox.publish(tx, balanceChanged, { accountId: id, balance: 0, version: appended.version });
          return appended.version;
        });
        return c.json({ id, owner, balance: 0, version }, 201);
      });
      app.openapi(deposit, async (c) => {
        const { id } = c.req.valid('param');
        const { amount, note, expectedVersion } = c.req.valid('json');
        const view = await ctx.transaction(async (tx) => {
          const { state, version } = await account.load(tx, id);
          if (!state.open) throw noAccount(id);
          const appended = await account.append(tx, id, expectedVersion ?? version, [{ type: 'deposited', payload: { accountId: id, amount, note } }]);
          const balance = state.balance + amount;
          await ctx.outbox.publish(tx, balanceChanged, { accountId: id, balance, version: appended.version });
          if (controls.failAfterAppend) throw new Error('failed after appending and publishing');
          return { id, owner: state.owner, balance, version: appended.version };
        });
        return c.json(view, 201);
      });
      app.openapi(show, async (c) => {
        const { id } = c.req.valid('param');
        const { state, version } = await account.load(ctx.db, id);
        if (!state.open) throw noAccount(id);
        return c.json({ id, owner: state.owner, balance: state.balance, version }, 200);
      });
      app.openapi(list, async (c) => {
        const rows = resultRows<{ id: string; owner: string | null; balance: number; version: number }>(
          await ctx.db.execute(sql`select "id", "owner", "balance", "version" from "tally"."account_balances" order by "id"`),
        );
        return c.json({ items: rows }, 200);
      });
      return app;
    },
  });
}
