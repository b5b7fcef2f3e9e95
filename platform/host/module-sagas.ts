import type { AuditLog } from '../audit/index.ts';
import type { FaultConfig } from '../config/index.ts';
import type { Db, Migration } from '../db/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Logger, Tracing } from '../observability/index.ts';
import { crashAtSagaPoint, createSagaRunner, sagaMigrations, watchSagas, type SagaRunner, type SagaStarter, type SagaWatch } from '../sagas/index.ts';
import { exclusiveIdlePollMs } from './databases.ts';
import type { HealthCheck, ModuleDefinition } from './define-module.ts';

export interface ModuleSagas {
  /** The module's runner; undefined when it declares no sagas. */
  runner: SagaRunner | undefined;
  /** `ctx.sagas`: the runner, or one that refuses (the module declares none). */
  starter: SagaStarter;
  /** The saga tables' migrations, counted by the `migrations` check. */
  migrations: Migration[];
  /** `sagas`: not critical; warns while a saga is stuck (an operator's job, not a restart's). */
  checks: HealthCheck[];
  /** Called after each of the module's transactions commits: wakes the runner when the transaction started a saga. */
  afterCommit(): void;
}

const none = (module: string): SagaStarter => ({
  start: (_tx, saga) => Promise.reject(new Error(`Module ${module} starts saga ${saga.name} but declares no \`sagas\`.`)),
});

/** The saga side of a hosted module: its runner (started and stopped with the host), metrics and health detail. */
export function moduleSagas(
  definition: ModuleDefinition,
  db: Db,
  log: Logger,
  audit: AuditLog,
  metrics: Metrics | undefined,
  context: () => unknown,
  faults: FaultConfig = { sagaCrashAt: undefined },
  tracing?: Tracing,
  exclusive = false,
): ModuleSagas {
  const sagas = definition.sagas ?? [];
  if (sagas.length === 0) return { runner: undefined, starter: none(definition.name), migrations: [], checks: [], afterCommit: () => {} };
  let watch: SagaWatch | undefined;
  const sagaLog = log.child({ component: 'sagas' });
  // Crash tests only (FAULT_SAGA_CRASH_AT, refused in production): the runner SIGKILLs its process at that point.
  const onTrace = faults.sagaCrashAt ? crashAtSagaPoint(faults.sagaCrashAt, sagaLog) : undefined;
  const runner = createSagaRunner({
    module: definition.name,
    db,
    sagas,
    log: sagaLog,
    audit,
    context,
    onStuck: () => watch?.stuck(),
    onEnded: (row, outcome, failure) => watch?.ended(row, outcome, failure),
    onTrace,
    tracing,
    onStepTimed: metrics ? (seconds) => metrics.observeSagaStep(definition.name, seconds) : undefined,
    // Only this process writes its sagas: it sleeps until the next is due instead of polling.
    exclusive: exclusive ? { idlePollMs: exclusiveIdlePollMs } : undefined,
  });
  if (metrics) {
    const names = sagas.map((s) => s.name);
    watch = watchSagas(metrics.registry, metrics.collect, definition.name, () => runner.store.counts(), names);
  }
  const check: HealthCheck = {
    name: 'sagas',
    critical: false,
    check: async () => {
      const counts = await runner.store.counts();
      if (counts.stuck > 0) throw new Error(`${counts.stuck} stuck saga(s): see GET /ops/sagas?state=stuck`);
      if (!runner.running) return 'runner not started';
      return `${counts.running} running, ${counts.compensating} compensating`;
    },
  };
  // A start marks the module's next commit as worth a look, so the saga runs at once rather than at the next poll
  // (a rolled-back start only costs one empty look).
  let started = false;
  const starter: SagaStarter = {
    start: (tx, saga, input, options) => {
      started = true;
      return runner.start(tx, saga, input, options);
    },
  };
  const afterCommit = () => {
    if (!started) return;
    started = false;
    runner.wake();
  };
  return { runner, starter, migrations: sagaMigrations(definition.name), checks: [check], afterCommit };
}
