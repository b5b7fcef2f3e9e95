import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { resultRows } from '../../../platform/db/index.ts';
import { createRouter } from '../../../platform/http/index.ts';
import { defineModule } from '../../../platform/host/index.ts';
import type { SagaDefinition } from '../../../platform/sagas/index.ts';
import { bookTrip, paymentsContract, roomsContract, type BookTripOptions } from './book-trip.ts';
import { booking, tripsContract } from './trips-contract.ts';

export interface TripsOptions extends BookTripOptions {
  /** More sagas to declare beside `book-trip` (the rules tests). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sagas of any input
  extra?: readonly SagaDefinition<any, any>[];
}

/** The test-only orchestrator: `POST /trips/v1/bookings` records a booking and starts its saga in one transaction. */
export function tripsModule(options: TripsOptions = {}) {
  const saga = bookTrip(options);
  return defineModule({
    name: 'trips',
    version: '0.0.0',
    owner: 'tests',
    costCentre: 'cc-test',
    description: 'Test saga orchestrator.',
    contract: tripsContract,
    migrations: fileURLToPath(new URL('../migrations/trips', import.meta.url)),
    data: { bookings: { classification: 'internal', retention: '30d' } },
    uses: [roomsContract, paymentsContract],
    sagas: [saga, ...(options.extra ?? [])],
    routes(ctx) {
      const app = createRouter();
      app.openapi(tripsContract.routes.book, async (c) => {
        const { id, faults } = c.req.valid('json');
        const started = await ctx.transaction(async (tx) => {
          await tx.execute(sql`insert into trips.bookings (id, status) values (${id}, 'pending') on conflict (id) do nothing`);
          return ctx.sagas.start(tx, saga, { bookingId: id, faults }, { id });
        });
        options.onPoint?.('accepted');
        c.header('location', `/trips/v1/bookings/${id}`);
        return c.json({ id, status: 'pending', saga: started.url }, 202);
      });
      app.openapi(tripsContract.routes.list, async (c) => {
        const rows = resultRows<Record<string, unknown>>(await ctx.db.execute(sql`select * from trips.bookings order by id`));
        const items = rows.map((r) => booking.parse({ ...r, confirmations: Number(r.confirmations), cancellations: Number(r.cancellations) }));
        return c.json({ items }, 200);
      });
      return app;
    },
  });
}
