import { isNull, sql } from 'drizzle-orm';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/index.ts';
import { pendingDeadLetters, type DeliveryObserver, type EventBus, type EventTables } from '../events/index.ts';
import { cellCounter, cellHistogram, latencyBuckets, observe, type CounterCell, type HistogramCell } from './cells.ts';
import type { Collectors } from './collect.ts';

/** Buckets for consumer lag, from 10 ms to 1 h: an event waits longer than a request. */
const lagBuckets: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

interface ConsumerSeries {
  lag: HistogramCell;
  duration: HistogramCell;
  attempts: Record<'handled' | 'duplicate' | 'failed', CounterCell>;
  retries: CounterCell;
  deadLettered: CounterCell;
}

export interface EventMetrics {
  /** What the bus tells of deliveries. */
  delivery: DeliveryObserver;
  /** What a module's relay tells of dispatches. */
  relay(module: string): (accepted: boolean) => void;
  /** Scrape-time gauges of a hosted module's outbox and dead letters, read from its database. */
  watch(module: string, db: Db, tables: EventTables): void;
  /** Scrape-time queue depths of a bus that has queues (BullMQ). */
  watchBus(bus: EventBus): void;
}

/**
 * The event pipeline's metrics: relay dispatches, delivery attempts by consumer (lag, handling time, retries, dead
 * letters), and at scrape time outbox depth and age of the oldest undispatched row per module, pending dead letters
 * per consumer and BullMQ queue depths. Consumer ids (`module:handler`) are declared in code, so bounded.
 */
export function eventMetrics(registry: Registry, collect: Collectors): EventMetrics {
  const dispatched = cellCounter(registry, 'cleave_outbox_dispatched_total', 'Outbox events the bus accepted, by producing module.');
  const dispatchFailures = cellCounter(registry, 'cleave_outbox_dispatch_failures_total', 'Outbox dispatches the bus refused (retried later), by module.');
  const lag = cellHistogram(
    registry,
    'cleave_event_consumer_lag_seconds',
    'Time from an event occurring to a delivery attempt starting, by consumer.',
    lagBuckets,
  );
  const durations = cellHistogram(registry, 'cleave_event_handling_duration_seconds', 'Time one delivery attempt took, by consumer.', latencyBuckets);
  const attempts = cellCounter(registry, 'cleave_event_deliveries_total', 'Delivery attempts, by consumer and outcome (handled, duplicate, failed).');
  const retries = cellCounter(registry, 'cleave_event_retries_total', 'Failed delivery attempts that are tried again, by consumer.');
  const deadLettered = cellCounter(registry, 'cleave_event_dead_lettered_total', 'Deliveries given up and dead-lettered by this process, by consumer.');
  const brokerLost = new Counter({
    name: 'cleave_event_broker_data_lost_total',
    help: 'Times this process found Redis without the event subscription table it knew (restarted empty, flushed, failed over): jobs Redis held may be lost; audit and redrive.',
    registers: [registry],
  });
  const consumers = new Map<string, ConsumerSeries>();
  const series = (consumer: string): ConsumerSeries => {
    let s = consumers.get(consumer);
    if (!s) {
      const labels = { consumer };
      s = {
        lag: lag.cell(labels),
        duration: durations.cell(labels),
        attempts: {
          handled: attempts.cell({ consumer, outcome: 'handled' }),
          duplicate: attempts.cell({ consumer, outcome: 'duplicate' }),
          failed: attempts.cell({ consumer, outcome: 'failed' }),
        },
        retries: retries.cell(labels),
        deadLettered: deadLettered.cell(labels),
      };
      consumers.set(consumer, s);
    }
    return s;
  };

  const depth = new Gauge({
    name: 'cleave_outbox_pending_events',
    help: 'Outbox rows not yet dispatched, by module.',
    labelNames: ['module'],
    registers: [registry],
  });
  const age = new Gauge({
    name: 'cleave_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest undispatched outbox row, by module (0 when none is pending).',
    labelNames: ['module'],
    registers: [registry],
  });
  const pendingLetters = new Gauge({
    name: 'cleave_event_dead_letters_pending',
    help: 'Dead letters not yet replayed, by module and consumer.',
    labelNames: ['module', 'consumer'],
    registers: [registry],
  });
  const queued = new Gauge({
    name: 'cleave_bullmq_jobs',
    help: 'Jobs in the BullMQ queues of the modules consuming here, summed over partitions, by module and state.',
    labelNames: ['module', 'state'],
    registers: [registry],
  });

  return {
    delivery: {
      attempt(consumer, outcome, lagSeconds, seconds) {
        const s = series(consumer);
        observe(s.lag, Math.max(0, lagSeconds));
        observe(s.duration, seconds);
        s.attempts[outcome].value++;
      },
      retry: (consumer) => void series(consumer).retries.value++,
      deadLettered: (consumer) => void series(consumer).deadLettered.value++,
      brokerDataLost: () => brokerLost.inc(),
    },
    relay(module) {
      const ok = dispatched.cell({ module });
      const refused = dispatchFailures.cell({ module });
      return (accepted) => void (accepted ? ok.value++ : refused.value++);
    },
    watch(module, db, tables) {
      const { outbox, deadLetters } = tables;
      collect.add('outbox', async () => {
        const [row] = await db
          .select({
            depth: sql<number>`count(*)::int`,
            age: sql<number>`coalesce(extract(epoch from now() - min(${outbox.createdAt})), 0)::float8`,
          })
          .from(outbox)
          .where(isNull(outbox.dispatchedAt));
        depth.set({ module }, Number(row?.depth ?? 0));
        age.set({ module }, Math.max(0, Number(row?.age ?? 0)));
      });
      // Consumers this module had letters for at the last reading: one whose letters are all gone reads 0.
      let lettered = new Set<string>();
      collect.add('dead-letters', async () => {
        const rows = await db
          .select({ consumer: deadLetters.consumer, count: sql<number>`count(*)::int` })
          .from(deadLetters)
          .where(pendingDeadLetters(db, tables))
          .groupBy(deadLetters.consumer);
        // A consumer whose letters were all replayed or discarded reads 0, not its last count (also one not hosted
        // here, whose letters came from a job naming it).
        for (const s of consumers.keys()) if (s.startsWith(`${module}:`)) pendingLetters.set({ module, consumer: s }, 0);
        for (const s of lettered) pendingLetters.set({ module, consumer: s }, 0);
        for (const r of rows) pendingLetters.set({ module, consumer: r.consumer }, Number(r.count));
        lettered = new Set(rows.map((r) => r.consumer));
      });
    },
    watchBus(bus) {
      const read = bus.queueDepths?.bind(bus);
      if (!read) return;
      collect.add('bullmq', async () => {
        for (const d of await read()) queued.set({ module: d.module, state: d.state }, d.count);
      });
    },
  };
}
