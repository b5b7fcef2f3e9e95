import { Counter, Gauge, type Registry } from 'prom-client';
import { sagaStates, type SagaState } from './store.ts';

interface Series {
  stuck: Counter<'module'>;
  sources: Map<string, () => Promise<Record<SagaState, number>>>;
}

const perRegistry = new WeakMap<Registry, Series>();

function series(registry: Registry): Series {
  const known = perRegistry.get(registry);
  if (known) return known;
  const sources = new Map<string, () => Promise<Record<SagaState, number>>>();
  new Gauge({
    name: 'cleave_sagas',
    help: 'Sagas of each module by state (stuck ones need an operator).',
    labelNames: ['module', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [module, counts] of sources) {
        const read = await counts().catch(() => undefined);
        if (read) for (const state of sagaStates) this.set({ module, state }, read[state]);
      }
    },
  });
  const stuck = new Counter({
    name: 'cleave_sagas_stuck_total',
    help: 'Sagas that turned stuck: a compensation failed every attempt.',
    labelNames: ['module'],
    registers: [registry],
  });
  const made = { stuck, sources };
  perRegistry.set(registry, made);
  return made;
}

/** The `cleave_sagas{module,state}` gauge (read from the database on scrape) and the stuck counter, for one module. */
export function watchSagas(registry: Registry, module: string, counts: () => Promise<Record<SagaState, number>>): { stuck(): void } {
  const s = series(registry);
  s.sources.set(module, counts);
  s.stuck.inc({ module }, 0);
  return { stuck: () => s.stuck.inc({ module }) };
}
