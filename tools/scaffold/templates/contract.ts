import { sentenceCase, withArticle, type ModuleNames } from '../names.ts';

/** Files of `contract/`: DTO schemas, route declarations, the event, and the contract that gathers them. */
export function contractFiles(n: ModuleNames): Record<string, string> {
  return {
    [`contract/${n.entities.kebab}.schemas.ts`]: schemas(n),
    [`contract/${n.entities.kebab}.routes.ts`]: routes(n),
    'contract/events.ts': events(n),
    'contract/contract.ts': contract(n),
  };
}

function schemas({ module, entity }: ModuleNames): string {
  // OpenAPI component names are global in the merged document, so they carry the module's name.
  return `import { z } from '@hono/zod-openapi';
import { text, uuid } from '../../../platform/http/index.ts';

export const ${entity.camel}Schema = z
  .object({
    id: uuid(),
    name: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi('${module.pascal}${entity.pascal}');

export const create${entity.pascal}Schema = z
  .object({ name: text({ min: 1, max: 200 }) })
  .strict()
  .openapi('${module.pascal}Create${entity.pascal}');

export const ${entity.camel}IdParams = z.object({ id: uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export type ${entity.pascal}Dto = z.infer<typeof ${entity.camel}Schema>;
export type Create${entity.pascal}Input = z.infer<typeof create${entity.pascal}Schema>;
`;
}

function routes({ module, entity, entities }: ModuleNames): string {
  return `import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { create${entity.pascal}Schema, ${entity.camel}IdParams, ${entity.camel}Schema } from './${entities.kebab}.schemas.ts';

export const create${entity.pascal} = contractRoute({
  method: 'post',
  path: '/${module.kebab}/v1/${entities.kebab}',
  // Who may call it: here a token with the module's write scope. 'public', or { scopes, modules } (see Access).
  access: { scopes: ['${module.kebab}:write'] },
  tags: ['${module.kebab}'],
  summary: 'Create ${withArticle(entity.words)}',
  request: { body: { content: jsonContent(create${entity.pascal}Schema), required: true } },
  errors: { 409: ['${module.kebab}/${entity.kebab}-name-taken'] },
  responses: { 201: { description: '${sentenceCase(entity.words)} created', content: jsonContent(${entity.camel}Schema) } },
});

export const get${entity.pascal} = contractRoute({
  method: 'get',
  path: '/${module.kebab}/v1/${entities.kebab}/{id}',
  access: { scopes: ['${module.kebab}:read'] },
  tags: ['${module.kebab}'],
  summary: 'Get ${withArticle(entity.words)}',
  request: { params: ${entity.camel}IdParams },
  errors: { 404: ['${module.kebab}/${entity.kebab}-not-found'] },
  responses: { 200: { description: 'The ${entity.words}', content: jsonContent(${entity.camel}Schema) } },
});
`;
}

function events({ module, entity }: ModuleNames): string {
  return `import { z } from 'zod';
import { defineEvent } from '../../../platform/events/index.ts';

/** Published once for each ${entity.words}, in the transaction that creates it; ordered by the ${entity.words}'s id. */
export const ${entity.camel}Created = defineEvent({
  name: '${module.kebab}.${entity.kebab}-created',
  version: 1,
  schema: z.object({ ${entity.camel}Id: z.uuid(), name: z.string() }),
  key: (p) => p.${entity.camel}Id,
});
`;
}

function contract({ module, entity, entities }: ModuleNames): string {
  return `import { defineContract } from '../../../platform/contracts/index.ts';
import { ${entity.camel}Created } from './events.ts';
import { create${entity.pascal}, get${entity.pascal} } from './${entities.kebab}.routes.ts';

export const ${module.camel}Contract = defineContract('${module.kebab}', {
  routes: { create${entity.pascal}, get${entity.pascal} },
  events: [${entity.camel}Created],
});
`;
}
