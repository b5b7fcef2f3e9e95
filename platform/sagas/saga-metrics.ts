import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Collectors } from '../metrics/index.ts';
import { sagaStates, type SagaRow, type SagaState, type StepFailure } from './store.ts';

interface Series {
  stuck: Counter<'module'>;
  ended: Counter<'module' | 'saga' | 'outcome' | 'step' | 'problem'>;
  duration: Histogram<'module' | 'saga' | 'outcome'>;
  sagas: Gauge<'module' | 'state'>;
}

const perRegistry = new WeakMap<Registry, Series>();

function series(registry: Registry): Series {
  const known = perRegistry.get(registry);
  if (known) return known;
  // Set by each module's scrape-time collector (`collect.add('sagas', …)`), under METRICS_COLLECT_TIMEOUT: a read
  // in the gauge's own `collect` had no deadline, so a lock on the table held `/metrics` for the statement timeout.
  const sagas = new Gauge({
    name: 'cleave_sagas',
    help: 'Sagas of each module by state (stuck ones need an operator).',
    labelNames: ['module', 'state'],
    registers: [registry],
  });
  const stuck = new Counter({
    name: 'cleave_sagas_stuck_total',
    help: 'Sagas that turned stuck: a compensation failed every attempt, or a step past the point of no return was refused.',
    labelNames: ['module'],
    registers: [registry],
  });
  const ended = new Counter({
    name: 'cleave_sagas_ended_total',
    help: 'Sagas that ended, by outcome; a compensated one by the step that failed and its problem code (timeout, error when it had none).',
    labelNames: ['module', 'saga', 'outcome', 'step', 'problem'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cleave_saga_duration_seconds',
    help: 'From a saga starting to it ending (completed or compensated), retries and waits included.',
    labelNames: ['module', 'saga', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const made = { stuck, ended, duration, sagas };
  perRegistry.set(registry, made);
  return made;
}

/** What a saga's end is counted under: the step that failed and its problem code, `none` for a completed one. */
function endLabels(outcome: 'completed' | 'compensated', failure: StepFailure | undefined): { step: string; problem: string } {
  if (outcome === 'completed' || !failure) return { step: 'none', problem: 'none' };
  return { step: failure.step, problem: failure.code ?? (failure.timedOut ? 'timeout' : 'error') };
}

export interface SagaWatch {
  stuck(): void;
  ended(row: SagaRow, outcome: 'completed' | 'compensated', failure: StepFailure | undefined): void;
}

/**
 * The `cleave_sagas{module,state}` gauge (read from the database on scrape), the stuck counter, and sagas ended by
 * outcome with their durations (a checkout's outcome and why it was rejected: a business metric), for one module.
 * Labels are bounded: saga and step names are declared, problem codes are the contract's.
 */
export function watchSagas(
  registry: Registry,
  collect: Collectors,
  module: string,
  counts: () => Promise<Record<SagaState, number>>,
  sagas: readonly string[] = [],
): SagaWatch {
  const s = series(registry);
  collect.add('sagas', async () => {
    const read = await counts();
    for (const state of sagaStates) s.sagas.set({ module, state }, read[state]);
  });
  s.stuck.inc({ module }, 0);
  for (const saga of sagas) s.ended.inc({ module, saga, outcome: 'completed', step: 'none', problem: 'none' }, 0);
  return {
    stuck: () => s.stuck.inc({ module }),
    ended(row, outcome, failure) {
      s.ended.inc({ module, saga: row.name, outcome, ...endLabels(outcome, failure) });
      const seconds = (Date.now() - Date.parse(row.startedAt)) / 1000;
      if (Number.isFinite(seconds)) s.duration.observe({ module, saga: row.name, outcome }, Math.max(0, seconds));
    },
  };
}
