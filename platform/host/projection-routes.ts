import { z } from '@hono/zod-openapi';
import type { AuditLog } from '../audit/index.ts';
import type { ProjectionRunner } from '../event-sourcing/index.ts';
import { CleaveError, contractRoute, createRouter, jsonContent, operatorAccess, type App } from '../http/index.ts';

const position = z
  .object({
    tx: z.string().openapi({ description: 'Transaction id of the last event handled.' }),
    seq: z.number().int(),
    handled: z.number().int(),
    lagEvents: z.number().int().openapi({ description: 'Committed events not handled yet.' }),
    lagSeconds: z.number().openapi({ description: 'Age of the oldest of them (0 when caught up).' }),
    startedAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ProjectionPosition');

const statusSchema = z
  .object({
    module: z.string(),
    name: z.string(),
    version: z.number().int().openapi({ description: 'The version declared in code.' }),
    liveVersion: z.number().int().nullable().openapi({ description: 'The version the live tables were built by.' }),
    live: position.nullable(),
    rebuild: position.nullable().openapi({ description: 'The rebuild in progress, if any: it is swapped in once caught up.' }),
    rebuildVersion: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The version the rebuild builds: only hosts running that version feed it and swap it in.' }),
    rebuiltAt: z.string().nullable(),
    lastError: z.string().nullable(),
  })
  .openapi('ProjectionStatus');

const listProjections = contractRoute({
  method: 'get',
  path: '/ops/projections',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'The read models of the modules hosted here: position, lag and rebuild of each',
  responses: { 200: { description: 'Every projection of every module hosted here', content: jsonContent(z.object({ items: z.array(statusSchema) })) } },
});

const name = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/);

const rebuildProjection = contractRoute({
  method: 'post',
  path: '/ops/projections/{module}/{projection}/rebuild',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Rebuild a read model from the streams into shadow tables, swapped in once caught up (audited)',
  request: { params: z.object({ module: name, projection: name }) },
  errors: { 404: ['platform/unknown-projection'], 409: ['platform/projection-rebuild-running', 'platform/projection-version-newer'] },
  responses: { 202: { description: 'Started; follow it in `GET /ops/projections`', content: jsonContent(statusSchema) } },
});

/** What the routes need of a hosted module. */
export interface ProjectionHost {
  definition: { name: string };
  projections: ProjectionRunner | undefined;
  audit: AuditLog;
}

/** `GET /ops/projections` and `POST /ops/projections/{module}/{projection}/rebuild`: operator access, rebuilds audited. */
export function projectionRoutes(hosted: readonly ProjectionHost[]): App {
  const app = createRouter();
  app.openapi(listProjections, async (c) => {
    const items = await Promise.all(hosted.map(async (m) => (m.projections ? m.projections.status() : [])));
    return c.json({ items: items.flat() }, 200);
  });
  app.openapi(rebuildProjection, async (c) => {
    const { module, projection } = c.req.valid('param');
    const m = hosted.find((h) => h.definition.name === module);
    if (!m?.projections)
      throw new CleaveError('not_found', 'platform/unknown-projection', `No module ${module} with projections is hosted here.`, { details: { module } });
    // The audit entry commits with the rebuild's start, or neither happens.
    await m.projections.rebuild(projection, (tx) =>
      m.audit.record(tx, { action: 'platform.projection-rebuild-started', target: `${module}/${projection}`, outcome: 'success', detail: {} }),
    );
    const status = (await m.projections.status()).find((p) => p.name === projection);
    return c.json(status as NonNullable<typeof status>, 202);
  });
  return app;
}
