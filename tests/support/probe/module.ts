import { fileURLToPath } from 'node:url';
import { asc } from 'drizzle-orm';
import { defineContract } from '../../../platform/contracts/index.ts';
import type { Db } from '../../../platform/db/index.ts';
import { subscribe } from '../../../platform/events/index.ts';
import { createRouter } from '../../../platform/http/index.ts';
import { defineModule } from '../../../platform/host/index.ts';
import { productCreatedV1 } from '../../../modules/catalog/index.ts';
import { effects } from './schema.ts';

/** Steers the probe's handler from a test. */
export interface ProbeControls {
  /** The handler throws while this is above zero, counting down. */
  failuresLeft: number;
  /** Every attempt, including failed ones, in order. */
  attempts: string[];
}

/**
 * A module that exists only in tests: it consumes `catalog.product-created` and records one row per handling,
 * a non-idempotent effect, so the inbox is what stands between a duplicate delivery and a second row.
 */
export function probeModule(controls: ProbeControls) {
  return defineModule({
    name: 'probe',
    version: '0.0.0',
    owner: 'tests',
    costCentre: 'cc-test',
    description: 'Test probe consuming catalog events.',
    contract: defineContract('probe', { routes: {} }),
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    data: { effects: { classification: 'internal', retention: '30d' } },
    routes: () => createRouter(),
    subscriptions: [
      subscribe(productCreatedV1, 'record', async (payload, { tx, envelope }) => {
        controls.attempts.push(envelope.id);
        if (controls.failuresLeft > 0) {
          controls.failuresLeft -= 1;
          throw new Error('probe told to fail');
        }
        const attempt = controls.attempts.filter((id) => id === envelope.id).length;
        await tx.insert(effects).values({ eventId: envelope.id, productId: payload.productId, sku: payload.sku, attempt });
      }),
    ],
  });
}

export function readEffects(db: Db) {
  return db.select().from(effects).orderBy(asc(effects.seq));
}
