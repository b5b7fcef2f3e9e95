import type { z } from 'zod';
import type { Executor } from '../db/index.ts';
import { upcastPayload, type EventDefinition } from '../events/index.ts';
import { appendToStream, readStream, type StoredEvent } from './stream-store.ts';

type EventMap = Record<string, EventDefinition>;

/** An event of an aggregate as its code sees it: the key it has in `events`, its payload at the current version. */
export type AggregateEvent<Events extends EventMap> = {
  [K in keyof Events & string]: { type: K; payload: z.output<Events[K]['schema']>; version: number; at: Date };
}[keyof Events & string];

/** An event to append: its key in `events` and its payload (validated against the current version). */
export type NewEvent<Events extends EventMap> = {
  [K in keyof Events & string]: { type: K; payload: z.input<Events[K]['schema']> };
}[keyof Events & string];

export interface DefineAggregateOptions<Name extends string, Events extends EventMap, State> {
  /** The stream category, kebab-case (`order`); a stream is `<name>/<id>` in the owning module's schema. */
  name: Name;
  /** Its events by short key, each the current version of a `defineEvent` of the owning module. */
  events: Events;
  initial(): State;
  /** The state after one more event; pure, no I/O. */
  evolve(state: State, event: AggregateEvent<Events>): State;
}

export interface Aggregate<Name extends string = string, Events extends EventMap = EventMap, State = unknown> {
  name: Name;
  /** The owning module: the one its events are named after, whose schema holds its streams. */
  module: string;
  events: Events;
  initial(): State;
  evolve(state: State, event: AggregateEvent<Events>): State;
  /** Folds the stream's events: its state and version (0 and `initial()` for a stream with no events). */
  load(db: Executor, id: string): Promise<{ state: State; version: number }>;
  /**
   * Appends `events` to the stream, which must be at `expectedVersion` (the version `load` returned; 0 for a new
   * stream); throws `platform/stream-version-conflict` (kind `conflict`) otherwise. Run it in the module's
   * `ctx.transaction`, beside `ctx.outbox.publish` of the integration events it implies: both commit or neither.
   */
  append(tx: Executor, id: string, expectedVersion: number, events: readonly NewEvent<Events>[]): Promise<{ version: number }>;
  /** A stored event as the aggregate's code sees it, upcast to the current version of its definition. */
  decode(stored: StoredEvent): AggregateEvent<Events>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any aggregate, whatever its events and state
export type AnyAggregate = Aggregate<string, any, any>;

const namePattern = /^[a-z][a-z0-9-]*$/;

/**
 * Declares an event-sourced aggregate: its events (versioned with `defineEvent`, upcast on read with `upcast`), its
 * initial state and how each event changes it. List it in the module's `aggregates` so the host creates its tables.
 *
 * @example
 * export const counter = defineAggregate({
 *   name: 'counter', events: { added: counterAdded }, initial: () => ({ total: 0 }),
 *   evolve: (state, e) => (e.type === 'added' ? { total: state.total + e.payload.amount } : state),
 * });
 * const { version } = await counter.load(tx, id);
 * await counter.append(tx, id, version, [{ type: 'added', payload: { counterId: id, amount: 2 } }]);
 */
export function defineAggregate<const Name extends string, Events extends EventMap, State>(
  options: DefineAggregateOptions<Name, Events, State>,
): Aggregate<Name, Events, State> {
  if (!namePattern.test(options.name)) throw new Error(`Aggregate name "${options.name}" must be lower-case kebab-case.`);
  const definitions = Object.entries(options.events);
  const modules = new Set(definitions.map(([, d]) => d.module));
  if (modules.size !== 1) throw new Error(`Aggregate ${options.name} needs events of exactly one module, not ${[...modules].join(', ') || 'none'}.`);
  const module = [...modules][0] as string;
  const byName = new Map(definitions.map(([key, d]) => [d.name, { key, definition: d }]));
  if (byName.size !== definitions.length) throw new Error(`Aggregate ${options.name} lists one event under two keys.`);

  const decode = (stored: StoredEvent): AggregateEvent<Events> => {
    const known = byName.get(stored.name);
    if (!known) throw new Error(`Stream ${options.name}/${stored.streamId} holds ${stored.name}, which aggregate ${options.name} does not declare.`);
    const payload = upcastPayload(known.definition, stored.schemaVersion, stored.payload);
    return { type: known.key, payload, version: stored.version, at: stored.at } as AggregateEvent<Events>;
  };

  return {
    name: options.name,
    module,
    events: options.events,
    initial: options.initial,
    evolve: options.evolve,
    decode,
    async load(db, id) {
      let state = options.initial();
      let version = 0;
      for (const stored of await readStream(db, module, options.name, id)) {
        state = options.evolve(state, decode(stored));
        version = stored.version;
      }
      return { state, version };
    },
    async append(tx, id, expectedVersion, events) {
      const rows = events.map((e) => {
        const definition = options.events[e.type];
        if (!definition) throw new Error(`Aggregate ${options.name} has no event "${e.type}".`);
        return { name: definition.name, schemaVersion: definition.version, payload: definition.schema.parse(e.payload) };
      });
      return { version: await appendToStream(tx, module, options.name, id, expectedVersion, rows) };
    },
  };
}
