/** A kebab-case word list in the spellings the templates need. */
export interface Spellings {
  /** `reward-tier`: file names, paths, error codes. */
  kebab: string;
  /** `rewardTier`: never used bare as an identifier, always with a prefix or suffix (it may be a reserved word). */
  camel: string;
  /** `RewardTier`: classes, types, OpenAPI component names. */
  pascal: string;
  /** `reward_tier`: SQL identifiers. */
  snake: string;
  /** `reward tier`: prose. */
  words: string;
}

/** Every spelling of the module name and of its sample entity that the templates use. */
export interface ModuleNames {
  module: Spellings;
  entity: Spellings;
  /** The entity's plural: `reward-tiers` (route path, table name, route file names). */
  entities: Spellings;
}

/** A name the scaffold refuses; the CLI prints the message and exits 2. */
export class NameError extends Error {
  override readonly name = 'NameError';
}

const kebabCase = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Longest module name: `cleave_<name>` is a PostgreSQL role, and identifiers stop at 63 bytes. */
export const maxModuleNameLength = 40;

/**
 * Names a module cannot take, with the reason. A module's routes live under `/<name>/`, its schema is `<name>`, and its
 * folder sits beside the repository's own.
 */
export const reservedModuleNames: ReadonlyMap<string, string> = new Map([
  ...['ops', 'registry', 'health', 'docs', 'openapi', 'openapi.json', 'metrics'].map((n): [string, string] => [n, `/${n} is served by the host itself`]),
  ['public', "PostgreSQL's default schema is called public"],
  ...['platform', 'apps', 'modules', 'migrations', 'tests', 'tools', 'bench', 'deploy', 'contracts', 'clients'].map((n): [string, string] => [
    n,
    `${n}/ is a folder of the repository; a module of that name would be confusing`,
  ]),
  ...['monolith', 'extracted', 'cleave'].map((n): [string, string] => [n, `${n} names a deployment or the platform, not a bounded context`]),
  // Looked up by module name in plain objects (settings, tools such as drizzle-kit), it would find Object.prototype's.
  ...['constructor', 'prototype'].map((n): [string, string] => [n, `${n} is a property of every JavaScript object; lookups by module name would find it`]),
]);

/**
 * Tables every module already has in its schema (platform/events/tables.ts, platform/idempotency/tables.ts), so
 * the sample entity cannot use them.
 */
const eventTableNames = ['outbox', 'inbox', 'dead_letters', 'idempotency_keys', '__migrations'];

/**
 * Checks a module name: lower-case kebab-case, not reserved, short enough for a PostgreSQL role.
 * @example checkModuleName('loyalty-points'); // passes; checkModuleName('Ops') throws NameError
 */
export function checkModuleName(name: string): void {
  const reserved = reservedModuleNames.get(name);
  if (reserved) throw new NameError(`"${name}" is reserved: ${reserved}. Pick another name.`);
  if (!kebabCase.test(name)) {
    throw new NameError(`"${name}" is not lower-case kebab-case (a letter first, then letters, digits and single dashes), e.g. loyalty-points.`);
  }
  if (name.length > maxModuleNameLength) throw new NameError(`"${name}" is longer than ${maxModuleNameLength} characters.`);
}

/** Checks the sample entity's name: kebab-case, and not one whose table clashes with the event tables. */
export function checkEntityName(name: string): void {
  if (!kebabCase.test(name)) throw new NameError(`--entity "${name}" is not lower-case kebab-case, e.g. reward-tier.`);
  if (name.length > maxModuleNameLength) throw new NameError(`--entity "${name}" is longer than ${maxModuleNameLength} characters.`);
  const plural = spell(pluralise(name));
  if (eventTableNames.includes(plural.snake)) throw new NameError(`--entity "${name}" would make a table ${plural.snake}, which every module already has.`);
  // The table's binding sits beside `eventTables` in infrastructure/schema.ts.
  if (plural.camel === 'eventTables' || plural.camel === 'idempotencyTables')
    throw new NameError(`--entity "${name}" would shadow ${plural.camel} in infrastructure/schema.ts.`);
}

/** All spellings of `module` and `entity` (both already checked). */
export function moduleNames(module: string, entity: string): ModuleNames {
  return { module: spell(module), entity: spell(entity), entities: spell(pluralise(entity)) };
}

/** The spellings of one kebab-case name. */
export function spell(kebab: string): Spellings {
  const parts = kebab.split('-');
  const capital = (part: string) => part.charAt(0).toUpperCase() + part.slice(1);
  const pascal = parts.map(capital).join('');
  return { kebab, camel: pascal.charAt(0).toLowerCase() + pascal.slice(1), pascal, snake: parts.join('_'), words: parts.join(' ') };
}

/** English plural of the last word, by the common rules (category → categories, box → boxes, tier → tiers). */
export function pluralise(kebab: string): string {
  if (/[^aeiou]y$/.test(kebab)) return `${kebab.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(kebab)) return `${kebab}es`;
  return `${kebab}s`;
}

/** `a reward tier`, `an item`: good enough for generated summaries and messages. */
export function withArticle(words: string): string {
  return `${/^[aeio]/.test(words) ? 'an' : 'a'} ${words}`;
}

/** `Reward tier`. */
export function sentenceCase(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}
