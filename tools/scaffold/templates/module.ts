import { sentenceCase, type ModuleNames } from '../names.ts';

/** What `defineModule` says about the module besides its name. */
export interface ModuleFacts {
  owner: string;
  costCentre: string;
  description: string;
}

/** The module's face (`index.ts`), its definition (`module.ts`) and its contract test (`tests/`). */
export function moduleFiles(n: ModuleNames, facts: ModuleFacts): Record<string, string> {
  return {
    'index.ts': index(n),
    'module.ts': definition(n, facts),
    [`tests/${n.entities.kebab}.test.ts`]: contractTest(n),
  };
}

function index({ module, entity, entities }: ModuleNames): string {
  return `/**
 * @module ${module.kebab}
 * The ${module.kebab} bounded context: ${entities.words}. Other modules import only this file: the contract (for
 * clients and events) and the module definition (for hosts).
 */
export { ${module.camel}Module } from './module.ts';
export { ${module.camel}Contract } from './contract/contract.ts';
export { ${entity.camel}Created } from './contract/events.ts';
export type { ${entity.pascal}Dto, Create${entity.pascal}Input } from './contract/${entities.kebab}.schemas.ts';
`;
}

function definition({ module, entity, entities }: ModuleNames, facts: ModuleFacts): string {
  return `import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { defineModule } from '../../platform/host/index.ts';
import { ${module.camel}Contract } from './contract/contract.ts';
import { ${entity.camel}Routes } from './infrastructure/${entities.kebab}.handlers.ts';
import { ${entities.camel} } from './infrastructure/schema.ts';

export const ${module.camel}Module = defineModule({
  name: '${module.kebab}',
  version: '0.1.0',
  owner: ${quote(facts.owner)},
  costCentre: ${quote(facts.costCentre)},
  description: ${quote(facts.description)},
  contract: ${module.camel}Contract,
  migrations: fileURLToPath(new URL('../../migrations/${module.kebab}', import.meta.url)),
  // Classify each table: public, internal, personal or sensitive, with its retention (and legal basis when personal).
  data: { ${entities.snake}: { classification: 'internal', retention: { indefinite: 'until its retention is decided' } } },
  routes: ${entity.camel}Routes,
  health: (ctx) => [
    {
      name: '${entities.kebab}-table',
      check: async () => {
        await ctx.db.execute(sql\`select 1 from \${${entities.camel}} limit 1\`);
      },
    },
  ],
});
`;
}

function contractTest({ module, entity, entities }: ModuleNames): string {
  const path = `/${module.kebab}/v1/${entities.kebab}`;
  const Sentence = sentenceCase(entity.words);
  return `import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetKinds, type Target } from '../../../tests/support/targets.ts';
import { outbox } from '../infrastructure/schema.ts';

type ${entity.pascal}Body = { id: string; name: string; createdAt: string };

describe.each(targetKinds)('${module.kebab} contract, $name', (kind) => {
  let target: Target;

  beforeAll(async () => {
    target = await kind.start(['${module.kebab}']);
  });
  afterAll(() => target.stop());

  const create = async (name = \`${Sentence} \${randomUUID().slice(0, 8)}\`) => {
    const response = await target.call('POST', '${path}', { name });
    return { response, body: (await response.json()) as ${entity.pascal}Body };
  };

  it('create returns 201 with Location, and get returns the same ${entity.words}', async () => {
    const { response, body } = await create();
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(\`${path}/\${body.id}\`);
    const read = await target.call('GET', \`${path}/\${body.id}\`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(body);
  });

  it('a second ${entity.words} with the same name is a conflict', async () => {
    const { body } = await create();
    const { response, body: problem } = await create(body.name);
    expect(response.status).toBe(409);
    expect(problem).toMatchObject({ code: '${module.kebab}/${entity.kebab}-name-taken', name: body.name });
  });

  it('a blank name fails validation naming the field', async () => {
    const { response, body } = await create('  ');
    expect(response.status).toBe(400);
    expect((body as unknown as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['name']);
  });

  it('an unknown ${entity.words} is a 404 problem', async () => {
    const response = await target.call('GET', \`${path}/\${randomUUID()}\`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: '${module.kebab}/${entity.kebab}-not-found' });
  });

  it('create records ${module.kebab}.${entity.kebab}-created in the outbox with the row', async ({ skip }) => {
    if (!target.host) return skip('the outbox is read through an in-process host');
    const { body } = await create();
    const rows = await target.host.databases.of('${module.kebab}').db.select().from(outbox).where(eq(outbox.aggregateKey, body.id));
    expect(rows.map((r) => [r.name, r.version])).toEqual([['${module.kebab}.${entity.kebab}-created', 1]]);
    expect(rows[0]?.envelope.payload).toEqual({ ${entity.camel}Id: body.id, name: body.name });
  });
});
`;
}

/** A single-quoted TypeScript string literal. */
function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The description `defineModule` gets when none is given. */
export function defaultDescription(n: ModuleNames): string {
  return `${sentenceCase(n.module.words)}: ${n.entities.words}.`;
}
