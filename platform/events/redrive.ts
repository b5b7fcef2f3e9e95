import { and, asc, gt, gte, isNotNull, lte, min } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import type { AuditContext, DeliveryRecord, EventBus } from './bus.ts';
import type { EventDefinition } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';
import type { EventTables } from './tables.ts';
import { publishedVersions } from './versions.ts';

export interface OutboxWindow {
  db: Db;
  tables: EventTables;
  bus: EventBus;
  /** The producing module's events (older versions it still serves are checked and resent too). */
  events: readonly EventDefinition[];
  /** Events written at or after this time. */
  since: Date;
  until?: Date;
  /** One consumer (`<module>:<handler>`), or every subscriber. */
  consumer?: string;
}

export interface AuditReport {
  /** Dispatched events in the window. */
  events: number;
  /** (event version, consumer) deliveries checked against the broker. */
  checked: number;
  /** Deliveries the broker has no trace of: lost (first 1000). */
  missing: DeliveryRecord[];
  missingCount: number;
}

export interface RedriveReport {
  events: number;
  /**
   * What was handed to the bus again: (event, version, consumer) deliveries in `missing` mode; in `all`, event versions
   * a consumer (the one named) subscribes to. On BullMQ a delivery whose job is still remembered (`EVENT_JOB_RETENTION`)
   * is not queued again: the inbox would drop it anyway.
   */
  republished: number;
  /** `missing`: only what the broker lost; `all`: every delivery in the window (the inbox drops what was handled). */
  mode: 'missing' | 'all';
}

const page = 500;

/** Dispatched outbox rows of the window in order, a page at a time, each with the versions it went out as. */
async function* dispatched(window: OutboxWindow): AsyncGenerator<{ envelope: EventEnvelope; dispatchedAt: Date }[]> {
  const { outbox } = window.tables;
  let after = 0;
  for (;;) {
    const rows = await window.db
      .select({ seq: outbox.seq, envelope: outbox.envelope, dispatchedAt: outbox.dispatchedAt })
      .from(outbox)
      .where(
        and(
          gt(outbox.seq, after),
          gte(outbox.createdAt, window.since),
          window.until ? lte(outbox.createdAt, window.until) : undefined,
          isNotNull(outbox.dispatchedAt),
        ),
      )
      .orderBy(asc(outbox.seq))
      .limit(page);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.seq;
    yield rows.flatMap((r) => publishedVersions(r.envelope, window.events).map((envelope) => ({ envelope, dispatchedAt: r.dispatchedAt as Date })));
  }
}

/** When the producer dispatched the oldest event its outbox still keeps: tells the audit a re-created subscription table. */
async function auditContext(window: OutboxWindow): Promise<AuditContext> {
  const { outbox } = window.tables;
  const [row] = await window.db.select({ first: min(outbox.dispatchedAt) }).from(outbox);
  return row?.first ? { firstDispatchedAt: new Date(row.first) } : {};
}

/**
 * Detects a broker that lost events: for every event the outbox marked dispatched in the window, and every consumer
 * subscribed at the time, asks the broker whether it still has the delivery (queued, running, done or failed). Exact
 * while the window is inside the broker's job retention; the in-process bus keeps no record and cannot be audited.
 */
export async function auditOutbox(window: OutboxWindow): Promise<AuditReport> {
  const audit = window.bus.audit?.bind(window.bus);
  if (!audit) throw new Error('The in-process bus keeps no delivery record to audit; events wait in the outbox until they are handled.');
  const report: AuditReport = { events: 0, checked: 0, missing: [], missingCount: 0 };
  const context = await auditContext(window);
  for await (const items of dispatched(window)) {
    const records = await audit(items, window.consumer, context);
    report.events += new Set(items.map((i) => i.envelope.id)).size;
    report.checked += records.length;
    for (const r of records.filter((x) => !x.present)) {
      report.missingCount += 1;
      if (report.missing.length < 1000) report.missing.push(r);
    }
  }
  return report;
}

/**
 * Re-publishes a producer's dispatched outbox rows from a point in time, to one consumer or all. With a broker that
 * can be audited, only the deliveries it lost are sent (`missing`); otherwise every delivery (`all`), and consumers'
 * inboxes drop what they already handled. The caller must keep `since` inside the consumers' inbox retention.
 */
export async function redriveOutbox(window: OutboxWindow, mode: 'missing' | 'all'): Promise<RedriveReport> {
  const audit = window.bus.audit?.bind(window.bus);
  if (mode === 'missing' && !audit) throw new Error('Only a bus with a broker can tell what is missing; redrive with mode "all".');
  const report: RedriveReport = { events: 0, republished: 0, mode };
  const context = await auditContext(window);
  const takers = mode === 'all' ? (await window.bus.subscriptions()).filter((s) => window.consumer === undefined || s.consumer === window.consumer) : [];
  for await (const items of dispatched(window)) {
    report.events += new Set(items.map((i) => i.envelope.id)).size;
    if (mode === 'missing' && audit) {
      const lost = (await audit(items, window.consumer, context)).filter((r) => !r.present);
      for (const r of lost) {
        const envelope = items.find((i) => i.envelope.id === r.eventId && i.envelope.version === r.version)?.envelope;
        if (!envelope) continue;
        await window.bus.publish(envelope, { consumer: r.consumer });
        report.republished += 1;
      }
    } else {
      for (const { envelope } of items) {
        // A version nobody (or not the consumer named) subscribes to would go nowhere: not counted as sent.
        if (!takers.some((t) => t.event === envelope.name && t.version === envelope.version)) continue;
        await window.bus.publish(envelope, window.consumer === undefined ? {} : { consumer: window.consumer });
        report.republished += 1;
      }
    }
  }
  return report;
}
