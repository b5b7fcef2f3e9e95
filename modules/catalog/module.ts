import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { defineModule } from '../../platform/host/index.ts';
import { catalogContract } from './contract/contract.ts';
import { productRoutes } from './infrastructure/products.handlers.ts';
import { seedCatalog } from './infrastructure/seed.ts';

export const catalogModule = defineModule({
  name: 'catalog',
  version: '1.0.0',
  owner: 'team-merchandising',
  costCentre: 'cc-1100-merchandising',
  // Product reads back every shop page: tight; writes are staff edits.
  slos: {
    read: { availability: 0.999, latency: { thresholdSeconds: 0.1, objective: 0.99 } },
    write: { availability: 0.995, latency: { thresholdSeconds: 0.5, objective: 0.99 } },
  },
  description: 'Products: what is sold, at what price.',
  contract: catalogContract,
  migrations: fileURLToPath(new URL('../../migrations/catalog', import.meta.url)),
  data: { products: { classification: 'public', retention: { indefinite: 'the catalogue; archived products stay for past orders' } } },
  routes: productRoutes,
  health: (ctx) => [
    {
      name: 'products-table',
      check: async () => {
        await ctx.db.execute(sql`select 1 from catalog.products limit 1`);
      },
    },
  ],
  seed: seedCatalog,
});
