import type { z } from 'zod';
import type { ColumnData } from '../compliance/index.ts';

/** An event type: `<module>.<event>` with an integer version and the zod schema of its payload. */
export interface EventDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  name: Name;
  version: number;
  schema: Schema;
  /** The aggregate key events are ordered by, taken from the payload. */
  key: (payload: z.output<Schema>) => string;
  /** The module that publishes it (the part of `name` before the dot). */
  module: string;
  /**
   * How the producer still serves consumers of the previous version: every event of this version is also published
   * as that version, converted, with the same event id (so an inbox that saw one version skips the other).
   */
  downcast?: Downcast;
  /**
   * How a payload stored at the previous version is read as this one (event-sourced streams keep old versions
   * forever): the mirror of `downcast`, one version step, checked against this version's schema.
   */
  upcast?: Upcast;
  /** Payload fields holding personal or sensitive data, and how they travel (see docs/operations/data-classification.md). */
  fields?: Readonly<Record<string, ColumnData>>;
}

/** The conversion of a stored event from the version before this one, shipped by the module that stores it. */
export interface Upcast {
  from: EventDefinition;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- typed where it is declared (DefineEventOptions)
  convert(payload: any): unknown;
}

/** The conversion of an event to the version before it, shipped by the producer. */
export interface Downcast {
  to: EventDefinition;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- typed where it is declared (DefineEventOptions)
  convert(payload: any): unknown;
}

export type EventPayload<E extends EventDefinition> = z.output<E['schema']>;

export interface DefineEventOptions<Name extends string, Schema extends z.ZodType> {
  name: Name;
  version: number;
  schema: Schema;
  key: (payload: z.output<Schema>) => string;
  /** Serve consumers of the previous version: `{ to: previousVersion, convert: (payload) => previousPayload }`. */
  downcast?: { to: EventDefinition<Name>; convert(payload: z.output<Schema>): unknown };
  /** Read payloads stored at the previous version: `{ from: previousVersion, convert: (previousPayload) => payload }`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the previous version's payload, typed by the caller
  upcast?: { from: EventDefinition<Name>; convert(payload: any): z.input<Schema> };
  /**
   * Top-level payload fields holding personal or sensitive data and how each travels: `encrypted` (sealed for the
   * subject) or `plain`. Every copy of the event (outbox, bus, consumers' dead letters and tables) holds them; the
   * compliance report follows them.
   */
  fields?: Partial<Record<keyof z.output<Schema> & string, ColumnData>>;
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
  for (const [verb, other] of [
    ['downcast to', options.downcast?.to],
    ['upcast from', options.upcast?.from],
  ] as const) {
    if (other && (other.name !== options.name || other.version >= options.version)) {
      throw new Error(`Event ${options.name} v${options.version} can only ${verb} an earlier version of itself, not ${other.name} v${other.version}.`);
    }
  }
  const shape = (options.schema as { shape?: Record<string, unknown> }).shape;
  for (const field of Object.keys(options.fields ?? {})) {
    if (shape && !(field in shape)) throw new Error(`Event ${options.name} v${options.version} classifies "${field}", which its payload does not have.`);
  }
  const { fields, ...rest } = options;
  return { ...rest, ...(fields ? { fields: fields as Record<string, ColumnData> } : {}), module: match[1] as string };
}

/** The identity of an event type on the wire and in storage. */
export function eventType(e: { name: string; version: number }): string {
  return `${e.name}@v${e.version}`;
}
