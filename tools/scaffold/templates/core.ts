import { sentenceCase, type ModuleNames } from '../names.ts';

/** Files of `domain/` (pure TypeScript) and `application/` (one file per use case). */
export function coreFiles(n: ModuleNames): Record<string, string> {
  return {
    [`domain/${n.entity.kebab}.ts`]: entity(n),
    'domain/errors.ts': errors(n),
    [`application/${n.module.kebab}-deps.ts`]: deps(n),
    [`application/create-${n.entity.kebab}.ts`]: createUseCase(n),
    [`application/get-${n.entity.kebab}.ts`]: getUseCase(n),
  };
}

function entity({ entity }: ModuleNames): string {
  return `/** A ${entity.words} as the module's rules see it; the database row and the DTO are mapped to and from this. */
export interface ${entity.pascal} {
  id: string;
  /** Unique within the module. */
  name: string;
  createdAt: Date;
}
`;
}

function errors({ module, entity }: ModuleNames): string {
  const Sentence = sentenceCase(entity.words);
  return `/** ${module.kebab}'s domain errors: plain data with a stable code and a kind; no HTTP here. */
type Kind = 'not_found' | 'conflict' | 'invalid';

abstract class ${module.pascal}Error extends Error {
  abstract readonly kind: Kind;
  abstract readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>) {
    super(message);
    this.details = details;
  }
}

export class ${entity.pascal}NotFound extends ${module.pascal}Error {
  readonly kind = 'not_found';
  readonly code = '${module.kebab}/${entity.kebab}-not-found';
  constructor(${entity.camel}Id: string) {
    super(\`${Sentence} \${${entity.camel}Id} does not exist.\`, { ${entity.camel}Id });
  }
}

export class ${entity.pascal}NameTaken extends ${module.pascal}Error {
  readonly kind = 'conflict';
  readonly code = '${module.kebab}/${entity.kebab}-name-taken';
  constructor(name: string) {
    super(\`Another ${entity.words} is already called \${name}.\`, { name });
  }
}
`;
}

function deps({ module }: ModuleNames): string {
  return `import type { ModuleContext } from '../../../platform/host/index.ts';

/** What ${module.kebab}'s use cases need from the host. */
export type ${module.pascal}Deps = Pick<ModuleContext, 'db' | 'transaction' | 'outbox'>;
`;
}

function createUseCase({ module, entity, entities }: ModuleNames): string {
  return `import { uuidv7 } from '../../../platform/db/index.ts';
import type { Create${entity.pascal}Input } from '../contract/${entities.kebab}.schemas.ts';
import { ${entity.camel}Created } from '../contract/events.ts';
import { ${entity.pascal}NameTaken } from '../domain/errors.ts';
import type { ${entity.pascal} } from '../domain/${entity.kebab}.ts';
import { insert${entity.pascal} } from '../infrastructure/${entity.kebab}-repository.ts';
import type { ${module.pascal}Deps } from './${module.kebab}-deps.ts';

/**
 * Creates a ${entity.words} and announces it with \`${module.kebab}.${entity.kebab}-created\`, in one transaction: the row
 * and the outbox entry commit together or not at all.
 */
export async function create${entity.pascal}(deps: ${module.pascal}Deps, input: Create${entity.pascal}Input): Promise<${entity.pascal}> {
  return deps.transaction(async (tx) => {
    const created = await insert${entity.pascal}(tx, { id: uuidv7(), name: input.name });
    if (!created) throw new ${entity.pascal}NameTaken(input.name);
    await deps.outbox.publish(tx, ${entity.camel}Created, { ${entity.camel}Id: created.id, name: created.name });
    return created;
  });
}
`;
}

function getUseCase({ module, entity }: ModuleNames): string {
  return `import { ${entity.pascal}NotFound } from '../domain/errors.ts';
import type { ${entity.pascal} } from '../domain/${entity.kebab}.ts';
import { find${entity.pascal} } from '../infrastructure/${entity.kebab}-repository.ts';
import type { ${module.pascal}Deps } from './${module.kebab}-deps.ts';

/** The ${entity.words} with this id, or \`${module.kebab}/${entity.kebab}-not-found\`. */
export async function get${entity.pascal}(deps: ${module.pascal}Deps, id: string): Promise<${entity.pascal}> {
  const found = await find${entity.pascal}(deps.db, id);
  if (!found) throw new ${entity.pascal}NotFound(id);
  return found;
}
`;
}
