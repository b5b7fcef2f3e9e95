import { higher, type ColumnData, type DataClassification, type TableData } from '../compliance/index.ts';
import type { EventDefinition } from '../events/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/** Where a table's classification comes from: the module's `data`, the platform's default, or a projection's `data`. */
export type DeclaredBy = 'module' | 'platform' | `projection ${string}`;

export interface DeclaredTable {
  data: TableData;
  declaredBy: DeclaredBy;
}

const copies = 'Copies of events for delivery: the legal basis of the data the events carry (see the events that hold it).';

/** The strongest category and the weakest protection among the classified fields of `events`; undefined when none. */
function envelopeOf(events: readonly EventDefinition[]): ColumnData | undefined {
  const fields = events.flatMap((e) => Object.values(e.fields ?? {}));
  if (fields.length === 0) return undefined;
  const category = fields.some((f) => f.category === 'sensitive') ? 'sensitive' : 'personal';
  const protection = fields.every((f) => f.protection === 'encrypted') ? 'encrypted' : 'plain';
  return { category, protection };
}

/** An event table: internal, or as personal as the fields of the events its envelopes hold. */
function eventTable(events: readonly EventDefinition[], retention: TableData['retention'], agedBy: string): TableData {
  const envelope = envelopeOf(events);
  if (!envelope) return { classification: 'internal', retention, agedBy };
  const classification: DataClassification = higher('personal', envelope.category);
  return { classification, retention, agedBy, legalBasis: copies, columns: { envelope } };
}

/**
 * The platform's tables in a module's schema with their default classification: the event tables (as personal as
 * the events they hold: published ones in the outbox, consumed ones in dead letters), idempotency keys, the audit
 * trail, the migration log, data keys, and the event store and saga tables where the module has them. Retentions are
 * the configuration's defaults (OUTBOX_RETENTION, INBOX_RETENTION, DEAD_LETTER_RETENTION, IDEMPOTENCY_KEY_TTL); the
 * retention job applies the configured ones to the delivery tables unless the module declares its own.
 */
export function platformTableData(module: ModuleDefinition): Record<string, TableData> {
  const published = module.contract.events;
  const consumed = (module.subscriptions ?? []).map((s) => s.event as EventDefinition);
  const eventSourced = (module.aggregates?.length ?? 0) + (module.projections?.length ?? 0) > 0;
  return {
    __migrations: { classification: 'internal', retention: { indefinite: 'the schema history: which migrations ran' } },
    // Aged from dispatch, handling and replay: an undispatched row or a pending dead letter (null) is never removed.
    outbox: eventTable(published, '7d', 'dispatched_at'),
    inbox: { classification: 'internal', retention: '14d', agedBy: 'handled_at' },
    dead_letters: eventTable(consumed, '14d', 'replayed_at'),
    // Expired by the idempotency store itself (at expires_at, IDEMPOTENCY_KEY_TTL), not by the retention job.
    idempotency_keys: { classification: 'internal', retention: '24h' },
    audit_log: {
      classification: 'personal',
      retention: { indefinite: 'append-only and hash-chained: rows cannot be removed without breaking the chain' },
      legalBasis: 'Security of processing and accountability (GDPR Art. 5(2), 6(1)(c), 32): who did what, when.',
      columns: { actor_user: { category: 'personal', protection: 'plain' } },
    },
    audit_head: { classification: 'internal', retention: { indefinite: 'one row: the chain head' } },
    audit_checkpoints: { classification: 'internal', retention: { indefinite: 'signed chain heads, kept with the trail' } },
    data_keys: {
      classification: 'sensitive',
      subject: 'subject',
      retention: { indefinite: 'a shredded key keeps its row (without the key) so copies read as erased' },
      legalBasis: 'Security of processing (GDPR Art. 32): the per-person keys that make erasure by shredding possible.',
      columns: { wrapped_key: { category: 'sensitive', protection: 'encrypted' } },
    },
    ...(eventSourced
      ? {
          es_events: { classification: 'internal', retention: { indefinite: 'the event store is the history of its aggregates' } },
          es_checkpoints: { classification: 'internal', retention: { indefinite: 'one row per projection' } },
        }
      : {}),
    // A saga that ended (completed or compensated) goes 90 days later, its history with it; running, compensating and
    // stuck ones stay whatever their age. Its id stops deduplicating starts then (order ids, erasure ids: never reused).
    ...(module.sagas?.length
      ? {
          sagas: { classification: 'internal', retention: '90d', agedBy: 'ended_at', onlyWhen: { state: ['completed', 'compensated'] } },
          saga_history: { classification: 'internal', retention: '90d', belongsTo: { table: 'sagas', column: 'saga_id', references: 'id' } },
        }
      : {}),
  } satisfies Record<string, TableData>;
}

/**
 * Every table a module's schema may hold, with its classification: the platform's defaults, then the projections'
 * `data`, then the module's own `data`, each replacing the one before for the same table.
 */
export function declaredTables(module: ModuleDefinition): Map<string, DeclaredTable> {
  const tables = new Map<string, DeclaredTable>();
  for (const [table, data] of Object.entries(platformTableData(module))) tables.set(table, { data, declaredBy: 'platform' });
  for (const projection of module.projections ?? []) {
    for (const [table, data] of Object.entries(projection.data ?? {})) tables.set(table, { data, declaredBy: `projection ${projection.name}` });
  }
  for (const [table, data] of Object.entries(module.data ?? {})) tables.set(table, { data, declaredBy: 'module' });
  return tables;
}
