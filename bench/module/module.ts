/**
 * A module that exists only for the benchmarks: one route with no database work, hosted like any module (its own
 * schema and outbox, a relay, routes behind the full stack). It calls its own route and inventory's through the clients
 * its context gives it, which is how a module calls a local or remote provider.
 */
import { fileURLToPath } from 'node:url';
import { inventoryContract } from '../../modules/inventory/index.ts';
import { defineModule } from '../../platform/host/index.ts';
import { createRouter } from '../../platform/http/index.ts';
import { benchContract, hello, secureHello } from './contract.ts';
import { sayHello } from './hello.ts';

export const benchModule = defineModule({
  name: 'bench',
  version: '1.0.0',
  owner: 'bench',
  costCentre: 'cc-bench',
  description: 'Benchmark-only: one route that does no I/O.',
  contract: benchContract,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  uses: [benchContract, inventoryContract],
  routes: () => {
    const app = createRouter();
    app.openapi(hello, async (c) => c.json(await sayHello(c.req.valid('param').name), 200));
    app.openapi(secureHello, async (c) => c.json(await sayHello(c.req.valid('param').name), 200));
    return app;
  },
});
