import type { Registry } from 'prom-client';
import type { RequestObserver } from '../http/index.ts';
import type { EventMetrics } from './event-metrics.ts';
import { cellCounter, type CounterCell } from './cells.ts';
import { createCostLedger, type CostLedger } from './cost-ledger.ts';

export interface CostMetrics {
  ledger: CostLedger;
  /** The request observer, counting each hosted module's requests and their time as well. */
  observeRequest(inner: RequestObserver): RequestObserver;
  /** The event observers, counting deliveries, handling time and dispatched events per module as well. */
  events(inner: EventMetrics): EventMetrics;
  /** A database statement on `module`'s schema took `seconds`. */
  statement(module: string, seconds: number): void;
  /** An attempt of one of `module`'s saga steps (or compensations) took `seconds`. */
  sagaStep(module: string, seconds: number): void;
}

/**
 * What each hosted module costs: its busy time (requests and deliveries) and database time as counters
 * (`cleave_module_busy_seconds_total{module,kind}`, `cleave_module_database_seconds_total{module}`, summed across hosts
 * in Prometheus), and the ledger behind `GET /ops/costs` (per host, with CPU allocated by busy time).
 */
export function costMetrics(registry: Registry, modules: readonly { name: string; owner: string; costCentre: string }[]): CostMetrics {
  const ledger = createCostLedger(modules);
  const busy = cellCounter(
    registry,
    'cleave_module_busy_seconds_total',
    'Wall time a hosted module spent answering requests (kind http), handling events (kind events) and running saga steps (kind sagas).',
  );
  const database = cellCounter(registry, 'cleave_module_database_seconds_total', "Wall time of database statements on a hosted module's schema.");
  const cells = new Map<string, { http: CounterCell; events: CounterCell; sagas: CounterCell; database: CounterCell }>(
    modules.map((m) => [
      m.name,
      {
        http: busy.cell({ module: m.name, kind: 'http' }),
        events: busy.cell({ module: m.name, kind: 'events' }),
        sagas: busy.cell({ module: m.name, kind: 'sagas' }),
        database: database.cell({ module: m.name }),
      },
    ]),
  );
  const moduleOfConsumer = (consumer: string) => consumer.slice(0, consumer.indexOf(':'));
  return {
    ledger,
    observeRequest: (inner) => (route, module, status, problem, seconds) => {
      inner(route, module, status, problem, seconds);
      const c = module === undefined ? undefined : cells.get(module);
      if (!c || module === undefined) return;
      c.http.value += seconds;
      ledger.request(module, seconds);
    },
    events: (inner) => ({
      ...inner,
      delivery: {
        ...inner.delivery,
        attempt(consumer, outcome, lagSeconds, seconds) {
          inner.delivery.attempt(consumer, outcome, lagSeconds, seconds);
          const module = moduleOfConsumer(consumer);
          const c = cells.get(module);
          if (!c) return;
          c.events.value += seconds;
          ledger.delivery(module, seconds, outcome === 'handled');
        },
      },
      relay(module) {
        const counted = inner.relay(module);
        return (accepted) => {
          counted(accepted);
          if (accepted) ledger.published(module);
        };
      },
    }),
    sagaStep(module, seconds) {
      const c = cells.get(module);
      if (!c) return;
      c.sagas.value += seconds;
      ledger.sagaStep(module, seconds);
    },
    statement(module, seconds) {
      const c = cells.get(module);
      if (!c) return;
      c.database.value += seconds;
      ledger.statement(module, seconds);
    },
  };
}
