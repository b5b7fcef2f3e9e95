import type { z } from 'zod';

/** An event type: `<module>.<event>` with an integer version and the zod schema of its payload. */
export interface EventDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  name: Name;
  version: number;
  schema: Schema;
  /** The aggregate key events are ordered by, taken from the payload. */
  key: (payload: z.output<Schema>) => string;
  /** The module that publishes it (the part of `name` before the dot). */
  module: string;
}

export type EventPayload<E extends EventDefinition> = z.output<E['schema']>;

export interface DefineEventOptions<Name extends string, Schema extends z.ZodType> {
  name: Name;
  version: number;
  schema: Schema;
  key: (payload: z.output<Schema>) => string;
}

const namePattern = /^([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)$/;

/**
 * Declares an event in the publishing module's contract.
 *
 * @example
 * export const productCreated = defineEvent({
 *   name: 'catalog.product-created', version: 1, schema: productCreatedPayload, key: (p) => p.productId,
 * });
 */
export function defineEvent<const Name extends string, Schema extends z.ZodType>(options: DefineEventOptions<Name, Schema>): EventDefinition<Name, Schema> {
  const match = namePattern.exec(options.name);
  if (!match) throw new Error(`Event name "${options.name}" must look like <module>.<event>, lower-case kebab-case.`);
  if (!Number.isInteger(options.version) || options.version < 1) throw new Error(`Event ${options.name} needs an integer version ≥ 1.`);
  return { ...options, module: match[1] as string };
}

/** The identity of an event type on the wire and in storage. */
export function eventType(e: { name: string; version: number }): string {
  return `${e.name}@v${e.version}`;
}
