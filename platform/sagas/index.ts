/**
 * @module platform/sagas
 * Crash-proof sagas for the module that owns a process (docs/operations/sagas.md): steps with compensations and a point of no
 * return, state and history in the module's schema, a background runner with leases, and the operator's routes. Not a
 * general workflow engine: no timers, signals or child workflows.
 */
export { defineSaga, step, sagaKey, defaultSagaTimings } from './define-saga.ts';
export type { SagaDefinition, SagaStep, StepOptions, StepContext, CompensateContext, SagaTimings, SagaTracePoint, DefineSagaOptions } from './define-saga.ts';
export { createSagaRunner } from './runner.ts';
export { crashAtSagaPoint } from './crash-at.ts';
export type { SagaRunner, SagaRunnerOptions, SagaStarter, StartedSaga } from './runner.ts';
export { sagaStates } from './store.ts';
export type { SagaState, SagaRow, StepRecord, StepFailure, HistoryRow, SagaStore } from './store.ts';
export { sagaMigrations } from './migrations.ts';
export { watchSagas, type SagaWatch } from './saga-metrics.ts';
export { sagaOpsRoutes } from './ops-routes.ts';
