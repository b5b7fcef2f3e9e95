import type { z } from 'zod';
import type { environmentSchema } from './schema.ts';
import { whenValid } from './partial-environment.ts';

/** The places a saga runner passes while it drives a saga (platform/sagas `SagaTracePoint['at']`). */
export const sagaTracePoints = ['intent-recorded', 'invoked', 'recorded', 'compensating', 'compensated', 'recorded-compensation'] as const;

/** Where the saga runner SIGKILLs its own process: the `occurrence`-th time any saga named `saga` passes `at` of `step`. */
export interface SagaCrashPoint {
  saga: string;
  at: (typeof sagaTracePoints)[number];
  step: string;
  occurrence: number;
}

/** Faults a test injects into a real process (docs/operations/fault-injection.md); never in production. */
export interface FaultConfig {
  /** `FAULT_SAGA_CRASH_AT`: undefined (the default) injects nothing. */
  sagaCrashAt: SagaCrashPoint | undefined;
}

type Environment = z.output<typeof environmentSchema>;

const name = /^[a-z][a-z0-9-]*$/;

/** `checkout:invoked:authorize-payment@2` → the point; a message saying what is wrong otherwise. */
export function parseSagaCrashPoint(value: string): SagaCrashPoint | string {
  const [point = '', count, ...more] = value.trim().split('@');
  const [saga = '', at = '', step = '', ...rest] = point.split(':');
  const occurrence = count === undefined ? 1 : Number(count);
  const usage = 'must be <saga>:<at>:<step> or <saga>:<at>:<step>@<n> (e.g. checkout:invoked:authorize-payment@2)';
  if (more.length > 0 || rest.length > 0 || !name.test(saga) || !name.test(step)) return usage;
  if (!(sagaTracePoints as readonly string[]).includes(at)) return `"${at}" is not a saga trace point: one of ${sagaTracePoints.join(', ')}`;
  if (!Number.isSafeInteger(occurrence) || occurrence < 1 || !/^\d+$/.test(count ?? '1')) return `the count after @ must be a whole number from 1 (${usage})`;
  return { saga, at: at as SagaCrashPoint['at'], step, occurrence };
}

/** Reads the fault settings; `problems` gets a malformed value, and any fault at all with NODE_ENV=production. */
export function faultSettings(e: Environment, problems: { variable: string; message: string }[]): FaultConfig {
  const raw = e.FAULT_SAGA_CRASH_AT;
  if (raw === undefined) return { sagaCrashAt: undefined };
  if (whenValid(() => e.NODE_ENV === 'production')) {
    problems.push({ variable: 'FAULT_SAGA_CRASH_AT', message: 'kills the process on purpose (fault injection for tests); refused with NODE_ENV=production' });
    return { sagaCrashAt: undefined };
  }
  const parsed = parseSagaCrashPoint(raw);
  if (typeof parsed === 'string') {
    problems.push({ variable: 'FAULT_SAGA_CRASH_AT', message: parsed });
    return { sagaCrashAt: undefined };
  }
  return { sagaCrashAt: parsed };
}
