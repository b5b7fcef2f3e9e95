import { z } from '@hono/zod-openapi';
import type { JSONWebKeySet } from 'jose';
import { auditTables, queryAuditLog, verifyAuditChain, type Checkpointer } from '../audit/index.ts';
import type { Db } from '../db/index.ts';
import { CleaveError, contractRoute, createRouter, jsonContent, operatorAccess, instant, moduleName, queryInteger, type App } from '../http/index.ts';

const entrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actorUser: z.string().nullable(),
    actorModule: z.string().nullable(),
    actorClient: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    outcome: z.enum(['success', 'failure', 'denied']),
    requestId: z.string().nullable(),
    correlationId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry');

const reportSchema = z
  .object({
    module: z.string(),
    ok: z.boolean(),
    entries: z.number().int(),
    checkpoints: z.number().int(),
    lastCheckpointSeq: z.number().int(),
    problem: z.object({ seq: z.number().int(), kind: z.string(), message: z.string() }).optional(),
  })
  .openapi('AuditReport');

const moduleQuery = z.object({ module: moduleName().optional().openapi({ description: 'One module hosted here; every one when absent.' }) });

const listEntries = contractRoute({
  method: 'get',
  path: '/ops/audit/entries',
  access: operatorAccess,
  tags: ['ops'],
  summary: "A module's audit trail, newest first",
  request: {
    query: z.object({
      module: moduleName().openapi({ description: 'The module whose trail to read (hosted here).' }),
      action: z.string().optional(),
      actor: z.string().optional().openapi({ description: 'The acting user or client (`actorUser`).' }),
      since: instant().optional(),
      until: instant().optional(),
      before: queryInteger({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional().openapi({ description: 'The `next` of the previous page.' }),
      limit: queryInteger({ min: 1, max: 500, default: 100 }),
    }),
  },
  errors: { 404: ['audit/module-not-hosted'] },
  responses: {
    200: {
      description: 'Entries, and the cursor of the next page',
      content: jsonContent(z.object({ items: z.array(entrySchema), next: z.number().int().nullable() })),
    },
  },
});

const verifyChains = contractRoute({
  method: 'get',
  path: '/ops/audit/verify',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Verify audit chains and their signed checkpoints; each report names the first tampered or missing entry',
  request: { query: moduleQuery },
  errors: { 404: ['audit/module-not-hosted'] },
  responses: { 200: { description: 'One report per module', content: jsonContent(z.object({ ok: z.boolean(), reports: z.array(reportSchema) })) } },
});

const checkpointNow = contractRoute({
  method: 'post',
  path: '/ops/audit/checkpoints',
  access: operatorAccess,
  tags: ['ops'],
  summary: "Have identity sign each audit chain's head now",
  request: { query: moduleQuery },
  errors: { 404: ['audit/module-not-hosted'] },
  responses: {
    200: {
      description: 'The checkpoint of each module with entries',
      content: jsonContent(z.object({ items: z.array(z.object({ module: z.string(), seq: z.number().int(), hash: z.string(), created: z.boolean() })) })),
    },
  },
});

export interface AuditSources {
  modules(): { name: string; db: Db; checkpointer: Checkpointer }[];
  /** Every public key identity signed with. */
  keys(): Promise<JSONWebKeySet>;
}

/** Operator endpoints for the audit trail: read it, verify it, checkpoint it. */
export function auditRoutes(sources: AuditSources): App {
  const app = createRouter();
  const pick = (module: string | undefined) => {
    const all = sources.modules();
    const chosen = module === undefined ? all : all.filter((m) => m.name === module);
    if (chosen.length === 0) throw new CleaveError('not_found', 'audit/module-not-hosted', `Module ${module} is not hosted here.`, { details: { module } });
    return chosen;
  };
  app.openapi(listEntries, async (c) => {
    const q = c.req.valid('query');
    const [m] = pick(q.module);
    const page = await queryAuditLog((m as { db: Db }).db, auditTables(q.module), {
      action: q.action,
      actorUser: q.actor,
      since: q.since === undefined ? undefined : new Date(q.since),
      until: q.until === undefined ? undefined : new Date(q.until),
      before: q.before,
      limit: q.limit,
    });
    return c.json(page, 200);
  });
  app.openapi(verifyChains, async (c) => {
    const chosen = pick(c.req.valid('query').module);
    const keys = await sources.keys();
    const reports = [];
    for (const m of chosen) reports.push(await verifyAuditChain(m.db, m.name, auditTables(m.name), keys));
    return c.json({ ok: reports.every((r) => r.ok), reports }, 200);
  });
  app.openapi(checkpointNow, async (c) => {
    const items = [];
    for (const m of pick(c.req.valid('query').module)) {
      const made = await m.checkpointer.checkpoint();
      if (made) items.push({ module: m.name, ...made });
    }
    return c.json({ items }, 200);
  });
  return app;
}
