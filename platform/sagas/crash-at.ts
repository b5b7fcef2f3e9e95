import process from 'node:process';
import type { SagaCrashPoint } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import type { SagaTracePoint } from './define-saga.ts';

/**
 * Fault injection for crash tests (`FAULT_SAGA_CRASH_AT`, never in production): a trace listener that SIGKILLs this
 * process the `occurrence`-th time a saga passes the point, as a power cut or an OOM kill would (no shutdown code runs,
 * nothing in flight is recorded). `kill` is replaceable for unit tests.
 */
export function crashAtSagaPoint(
  point: SagaCrashPoint,
  log: Logger,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): (passed: SagaTracePoint) => void {
  let seen = 0;
  return (passed) => {
    if (passed.saga !== point.saga || passed.at !== point.at || passed.step !== point.step) return;
    seen += 1;
    if (seen !== point.occurrence) return;
    log.error({ saga: passed.saga, sagaId: passed.id, step: passed.step, at: passed.at, occurrence: seen }, 'fault injection: SIGKILL at saga trace point');
    kill();
  };
}
