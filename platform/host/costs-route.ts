import { z } from '@hono/zod-openapi';
import { contractRoute, createRouter, operatorAccess, queryInteger, type App } from '../http/index.ts';
import type { CostLedger } from '../metrics/index.ts';

const usage = {
  requests: z.number().int().openapi({ description: 'HTTP requests it answered' }),
  requestSeconds: z.number().openapi({ description: 'their wall time' }),
  deliveries: z.number().int().openapi({ description: 'delivery attempts of its event consumers' }),
  consumerSeconds: z.number().openapi({ description: 'their wall time' }),
  sagaSteps: z.number().int().openapi({ description: 'attempts of its sagas’ steps and compensations run here' }),
  sagaSeconds: z.number().openapi({ description: 'their wall time, the in-process calls they made included' }),
  statements: z.number().int().openapi({ description: 'database statements on its schema' }),
  databaseSeconds: z.number().openapi({ description: 'their wall time' }),
  eventsPublished: z.number().int().openapi({ description: 'events its relay handed to the bus' }),
  eventsConsumed: z.number().int().openapi({ description: 'events its consumers handled (duplicates not counted)' }),
  share: z.number().openapi({ description: "share of this host's busy time (requests, deliveries and saga steps), 0 to 1" }),
  cpuSeconds: z.number().nullable().openapi({ description: 'process CPU of the window times the share; null where the runtime reports no process CPU' }),
};

const costReport = z
  .object({
    window: z.object({ from: z.string(), to: z.string(), seconds: z.number() }),
    cpuSeconds: z.number().nullable(),
    modules: z.array(z.object({ module: z.string(), owner: z.string(), costCentre: z.string(), ...usage })),
    owners: z.array(z.object({ owner: z.string(), costCentre: z.string(), modules: z.array(z.string()), ...usage })),
  })
  .openapi('CostReport');

const costs = contractRoute({
  method: 'get',
  path: '/ops/costs',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'What each module hosted here used, by module and by owner and cost centre',
  description:
    "Requests, handler and consumer time, database time, events published and consumed over the last minutes, per module hosted by this process, and the process's CPU allocated by busy time. Per host: sum hosts through Prometheus (docs/operations/costs.md).",
  request: {
    query: z.object({
      minutes: queryInteger({ min: 1, max: 60, default: 60 }).openapi({ description: 'The window: the last this many minutes (since start, if younger).' }),
    }),
  },
  responses: { 200: { description: 'Usage and allocated cost in the window', content: { 'application/json': { schema: costReport } } } },
});

/** `GET /ops/costs`: the cost ledger's report, behind the operator scope like the rest of `/ops`. */
export function costsRoute(ledger: CostLedger): App {
  const app = createRouter();
  app.openapi(costs, (c) => c.json(ledger.report(c.req.valid('query').minutes * 60_000), 200));
  return app;
}
