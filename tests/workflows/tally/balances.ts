import { sql } from 'drizzle-orm';
import { defineProjection } from '../../../platform/event-sourcing/index.ts';
import { account } from './account.ts';

/** The read model: one row per account with its balance, deposit count and the stream version it reflects. */
export const balances = defineProjection({
  name: 'account-balances',
  version: 1,
  from: [account],
  tables: { account_balances: '"id" text PRIMARY KEY, "owner" text, "balance" integer NOT NULL, "deposits" integer NOT NULL, "version" integer NOT NULL' },
  data: { account_balances: { classification: 'internal', retention: '30d' } },
  async handle(tx, event, { account_balances: t }) {
    switch (event.type) {
      case 'opened':
        await tx.execute(sql`insert into ${t} values (${event.streamId}, ${event.payload.owner}, 0, 0, ${event.version})`);
        return;
      case 'deposited':
        await tx.execute(
          sql`update ${t} set "balance" = "balance" + ${event.payload.amount}, "deposits" = "deposits" + 1, "version" = ${event.version} where "id" = ${event.streamId}`,
        );
        return;
      case 'withdrawn':
        await tx.execute(sql`update ${t} set "balance" = "balance" - ${event.payload.amount}, "version" = ${event.version} where "id" = ${event.streamId}`);
        return;
    }
  },
});
