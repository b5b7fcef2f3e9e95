import { z } from '@hono/zod-openapi';
import { contractRoute, createRouter, jsonContent, operatorAccess, type App } from '../http/index.ts';
import type { RetentionJob } from './retention-job.ts';

const action = z.enum(['delete', 'anonymise']);

const retentionStatus = z
  .object({
    module: z.string(),
    intervalMs: z.number().int().openapi({ description: 'How often the job runs (PRUNE_INTERVAL); 0 while not started.' }),
    lastRun: z
      .object({
        at: z.string(),
        tables: z.array(z.object({ table: z.string(), action, rows: z.number().int(), error: z.string().optional() })),
      })
      .nullable()
      .openapi({ description: 'The last run since this process started: rows deleted or anonymised per table.' }),
    nextRun: z.string().nullable(),
    rules: z.array(
      z.object({
        table: z.string(),
        retention: z.string(),
        agedBy: z.string().openapi({ description: 'The timestamp column a row ages from; rows where it is null are kept.' }),
        action,
        anonymise: z.record(z.string(), z.string().nullable()),
        onlyWhen: z
          .record(z.string(), z.array(z.string()))
          .openapi({ description: 'Only rows whose columns hold one of these values age (a saga that ended); empty: every row.' }),
        belongsTo: z
          .object({ table: z.string(), column: z.string(), references: z.string() })
          .optional()
          .openapi({ description: 'Rows go once the row of `table` they belong to is gone (`column` = `table.references`).' }),
        declaredBy: z.string(),
      }),
    ),
    kept: z
      .array(z.object({ table: z.string(), retention: z.string(), reason: z.string(), declaredBy: z.string() }))
      .openapi({ description: 'Declared tables the job does not touch, and why.' }),
  })
  .openapi('RetentionStatus');

const listRetention = contractRoute({
  method: 'get',
  path: '/ops/retention',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'What each hosted module keeps and for how long, and what its retention job last removed',
  description:
    'Per module hosted here: the tables its retention job deletes or anonymises past their declared retention, the last run, the next. See docs/operations/retention.md.',
  responses: { 200: { description: 'The retention jobs of the modules hosted here', content: jsonContent(z.object({ items: z.array(retentionStatus) })) } },
});

/** What the route needs of a hosted module. */
export interface RetentionHost {
  retention: RetentionJob;
}

/** `GET /ops/retention`: operator access. */
export function retentionRoutes(hosted: readonly RetentionHost[]): App {
  const app = createRouter();
  app.openapi(listRetention, (c) => c.json({ items: hosted.map((m) => m.retention.status()) }, 200));
  return app;
}
