import type { SQL } from 'drizzle-orm';
import type { TableData } from '../compliance/index.ts';
import type { Tx } from '../db/index.ts';
import type { AggregateEvent, AnyAggregate } from './define-aggregate.ts';

/** An event as a projection receives it: the aggregate's view of it, plus where it came from. */
export type ProjectedEvent<A extends AnyAggregate> = A extends AnyAggregate
  ? AggregateEvent<A['events']> & { aggregate: A['name']; streamId: string; seq: number }
  : never;

export interface DefineProjectionOptions<A extends readonly AnyAggregate[], Tables extends Record<string, string>> {
  /** Kebab-case, unique in the module. */
  name: string;
  /** Raise it when `tables` or `handle` change meaning: the host then rebuilds the read model from the streams. */
  version: number;
  /** The aggregates whose events it reads; events of other streams are skipped. */
  from: A;
  /**
   * Its tables: name (in the module's schema) → column definitions (`"id" text PRIMARY KEY, "total" integer NOT
   * NULL`). The platform creates them and, on a rebuild, their shadow copies; queries read them by name.
   */
  tables: Tables;
  /**
   * The classification of its tables (see docs/operations/data-classification.md), unless the module's `data` gives
   * them; a host refuses to start a module with a projection table classified in neither place.
   */
  data?: Readonly<Record<string, TableData>>;
  /**
   * Applies one event, in the transaction that also advances the projection's checkpoint (exactly once in effect).
   * Write to `tables.<name>` (the live table, or its shadow during a rebuild), never to a table named literally.
   */
  handle(tx: Tx, event: ProjectedEvent<A[number]>, tables: { [K in keyof Tables]: SQL }): Promise<void>;
}

export interface Projection<
  A extends readonly AnyAggregate[] = readonly AnyAggregate[],
  Tables extends Record<string, string> = Record<string, string>,
> extends DefineProjectionOptions<A, Tables> {
  /** The owning module (the aggregates'). */
  module: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any projection, whatever it reads and writes
export type AnyProjection = Projection<readonly AnyAggregate[], any>;

const namePattern = /^[a-z][a-z0-9-]*$/;
const tablePattern = /^[a-z][a-z0-9_]*$/;

/**
 * Declares a CQRS read model fed from a module's streams. List it in the module's `projections`: the host runs it in
 * the background, reports its lag, and rebuilds it on demand (`POST /ops/projections/{module}/{projection}/rebuild`).
 *
 * @example
 * export const totals = defineProjection({
 *   name: 'counter-totals', version: 1, from: [counter],
 *   tables: { counter_totals: '"id" text PRIMARY KEY, "total" integer NOT NULL' },
 *   async handle(tx, e, t) {
 *     await tx.execute(sql`insert into ${t.counter_totals} values (${e.streamId}, ${e.payload.amount})
 *       on conflict ("id") do update set "total" = ${t.counter_totals}."total" + excluded."total"`);
 *   },
 * });
 */
export function defineProjection<const A extends readonly AnyAggregate[], const Tables extends Record<string, string>>(
  options: DefineProjectionOptions<A, Tables>,
): Projection<A, Tables> {
  if (!namePattern.test(options.name)) throw new Error(`Projection name "${options.name}" must be lower-case kebab-case.`);
  if (!Number.isInteger(options.version) || options.version < 1) throw new Error(`Projection ${options.name} needs an integer version ≥ 1.`);
  const modules = new Set(options.from.map((a) => a.module));
  if (modules.size !== 1) throw new Error(`Projection ${options.name} reads the aggregates of exactly one module, not ${[...modules].join(', ') || 'none'}.`);
  const names = Object.keys(options.tables);
  if (names.length === 0) throw new Error(`Projection ${options.name} declares no table.`);
  for (const table of names) {
    // Its shadow is `<table>__rebuild`; identifiers stop at 63 bytes.
    if (!tablePattern.test(table) || table.length > 50 || table.startsWith('es_')) throw new Error(`Projection ${options.name}: bad table name "${table}".`);
  }
  for (const table of Object.keys(options.data ?? {})) {
    if (!names.includes(table)) throw new Error(`Projection ${options.name} classifies "${table}", which is not one of its tables.`);
  }
  return { ...options, module: [...modules][0] as string };
}
