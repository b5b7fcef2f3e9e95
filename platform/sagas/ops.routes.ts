import { z } from '@hono/zod-openapi';
import { contractRoute, jsonContent, moduleName, operatorAccess, queryInteger } from '../http/index.ts';
import { sagaStates } from './store.ts';

const stepSchema = z.object({ status: z.enum(['attempted', 'done', 'failed', 'compensated']), result: z.unknown().optional() });

export const sagaSchema = z
  .object({
    module: z.string(),
    id: z.string(),
    name: z.string(),
    state: z.enum(sagaStates),
    steps: z.record(z.string(), stepSchema).openapi({ description: 'Where each step reached stands; a step not listed was never attempted.' }),
    attempts: z.number().int().openapi({ description: 'Attempts of the current action.' }),
    lastError: z.string().nullable(),
    nextAt: z.string(),
    leased: z.boolean().openapi({ description: 'Whether a runner holds it right now.' }),
    startedAt: z.string(),
    updatedAt: z.string(),
    endedAt: z.string().nullable().openapi({ description: 'When it completed or compensated; null while running, compensating or stuck.' }),
  })
  .openapi('Saga');

const historySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  step: z.string().nullable(),
  action: z.string(),
  outcome: z.string(),
  attempt: z.number().int(),
  detail: z.record(z.string(), z.unknown()),
});

const params = z.object({ module: moduleName(), id: z.string().min(1).max(200) });
const notFound = ['sagas/module-not-hosted', 'sagas/saga-not-found'];

export const listSagas = contractRoute({
  method: 'get',
  path: '/ops/sagas',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'List sagas of the modules hosted here, by state (stuck ones need an operator)',
  request: {
    query: z.object({
      state: z.enum(sagaStates).optional(),
      module: moduleName().optional().openapi({ description: 'One module hosted here; every one when absent.' }),
      limit: queryInteger({ min: 1, max: 500, default: 100 }),
    }),
  },
  errors: { 404: ['sagas/module-not-hosted'] },
  responses: { 200: { description: 'Sagas, most recently changed first', content: jsonContent(z.object({ items: z.array(sagaSchema) })) } },
});

export const getSaga = contractRoute({
  method: 'get',
  path: '/ops/sagas/{module}/{id}',
  access: operatorAccess,
  tags: ['ops'],
  summary: "One saga's state and its full history",
  request: { params },
  errors: { 404: notFound },
  responses: { 200: { description: 'The saga', content: jsonContent(sagaSchema.extend({ history: z.array(historySchema) })) } },
});

export const retrySaga = contractRoute({
  method: 'post',
  path: '/ops/sagas/{module}/{id}/retry',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Retry a stuck saga, attempts counted afresh: its compensation, or past the point of no return its refused step (audited)',
  request: { params, body: { required: false, content: jsonContent(z.object({ reason: z.string().max(500).optional() })) } },
  errors: { 404: notFound, 409: ['sagas/not-stuck'] },
  responses: { 200: { description: 'Compensating again; the runner takes it up at once', content: jsonContent(sagaSchema) } },
});

export const resolveSaga = contractRoute({
  method: 'post',
  path: '/ops/sagas/{module}/{id}/resolve',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Close a stuck saga by hand as compensated or completed, with the reason (audited)',
  request: {
    params,
    body: {
      required: true,
      content: jsonContent(
        z.object({
          outcome: z.enum(['compensated', 'completed']).openapi({ description: 'What the operator made true outside the runner.' }),
          reason: z.string().min(1).max(500),
        }),
      ),
    },
  },
  errors: { 404: notFound, 409: ['sagas/not-stuck'] },
  responses: { 200: { description: 'Resolved', content: jsonContent(sagaSchema) } },
});
