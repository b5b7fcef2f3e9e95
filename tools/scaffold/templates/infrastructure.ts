import type { ModuleNames } from '../names.ts';

/** Files of `infrastructure/`: the drizzle schema, the repository and the HTTP handlers. */
export function infrastructureFiles(n: ModuleNames): Record<string, string> {
  return {
    'infrastructure/schema.ts': schema(n),
    [`infrastructure/${n.entity.kebab}-repository.ts`]: repository(n),
    [`infrastructure/${n.entities.kebab}.handlers.ts`]: handlers(n),
  };
}

function schema({ module, entities }: ModuleNames): string {
  return `import { pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/** ${module.kebab}'s own schema; no other module reads or writes it. */
export const ${module.camel}Schema = pgSchema('${module.kebab}');

export const ${entities.camel} = ${module.camel}Schema.table('${entities.snake}', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const { outbox, inbox, deadLetters } = eventTables(${module.camel}Schema);
export const { idempotencyKeys } = idempotencyTables(${module.camel}Schema);
`;
}

function repository({ entity, entities }: ModuleNames): string {
  return `import { eq } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import type { ${entity.pascal} } from '../domain/${entity.kebab}.ts';
import { ${entities.camel} } from './schema.ts';

type Row = typeof ${entities.camel}.$inferSelect;

function to${entity.pascal}(row: Row): ${entity.pascal} {
  return { id: row.id, name: row.name, createdAt: row.createdAt };
}

/** Inserts a ${entity.words}; returns nothing when the name is already taken. */
export async function insert${entity.pascal}(db: Executor, values: Pick<${entity.pascal}, 'id' | 'name'>): Promise<${entity.pascal} | undefined> {
  const [row] = await db.insert(${entities.camel}).values(values).onConflictDoNothing({ target: ${entities.camel}.name }).returning();
  return row ? to${entity.pascal}(row) : undefined;
}

export async function find${entity.pascal}(db: Executor, id: string): Promise<${entity.pascal} | undefined> {
  const [row] = await db.select().from(${entities.camel}).where(eq(${entities.camel}.id, id));
  return row ? to${entity.pascal}(row) : undefined;
}
`;
}

function handlers({ module, entity, entities }: ModuleNames): string {
  return `import { createRouter, type App } from '../../../platform/http/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { create${entity.pascal} } from '../application/create-${entity.kebab}.ts';
import { get${entity.pascal} } from '../application/get-${entity.kebab}.ts';
import * as routes from '../contract/${entities.kebab}.routes.ts';
import type { ${entity.pascal}Dto } from '../contract/${entities.kebab}.schemas.ts';
import type { ${entity.pascal} } from '../domain/${entity.kebab}.ts';

function toDto(value: ${entity.pascal}): ${entity.pascal}Dto {
  return { id: value.id, name: value.name, createdAt: value.createdAt.toISOString() };
}

/** ${module.kebab}'s HTTP surface: each handler reads its validated input, calls one use case and maps the result. */
export function ${entity.camel}Routes(ctx: ModuleContext): App {
  const app = createRouter();

  app.openapi(routes.create${entity.pascal}, async (c) => {
    const created = await create${entity.pascal}(ctx, c.req.valid('json'));
    c.header('location', \`/${module.kebab}/v1/${entities.kebab}/\${created.id}\`);
    return c.json(toDto(created), 201);
  });

  app.openapi(routes.get${entity.pascal}, async (c) => {
    const found = await get${entity.pascal}(ctx, c.req.valid('param').id);
    return c.json(toDto(found), 200);
  });

  return app;
}
`;
}
