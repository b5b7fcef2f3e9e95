import { identityModule } from '../../../modules/identity/index.ts';
import type { Host } from '../../../platform/host/index.ts';
import type { TestDatabaseHandle } from '../../support/databases.ts';
import { call, eventually, startTestHost } from '../../support/test-host.ts';
import { counterModule } from './counter-module.ts';
import type { Effect } from './counter-contract.ts';
import { tripsModule, type TripsOptions } from './trips-module.ts';

/** A host of trips and both participants in one process (the rules tests; the crash tests split them). */
export function startSagaHost(database: TestDatabaseHandle, options: TripsOptions & { slowMs?: number; idempotencyLock?: string } = {}): Promise<Host> {
  const slow = options.slowMs === undefined ? {} : { slowMs: options.slowMs };
  return startTestHost({
    database,
    modules: [tripsModule(options), counterModule('rooms', 'trips', slow), counterModule('payments', 'trips', slow), identityModule],
    env: { IDEMPOTENCY_LOCK: options.idempotencyLock ?? '2s' },
  });
}

export interface SagaView {
  id: string;
  state: string;
  attempts: number;
  endedAt: string | null;
  steps: Record<string, { status: string }>;
  history: { step: string | null; action: string; outcome: string; attempt: number; detail: Record<string, unknown> }[];
}

export async function sagaOf(host: Host, id: string): Promise<SagaView> {
  const response = await call(host, 'GET', `/ops/sagas/trips/${id}`);
  if (response.status !== 200) throw new Error(`saga ${id}: ${response.status}`);
  return (await response.json()) as SagaView;
}

/** Waits until the saga is in one of `states` (60 s: the machine is shared). */
export function sagaIn(host: Host, id: string, states: readonly string[]): Promise<SagaView> {
  return eventually(async () => {
    const saga = await sagaOf(host, id);
    if (!states.includes(saga.state)) throw new Error(`saga ${id} is ${saga.state}, not ${states.join('/')}`);
    return saga;
  }, 60_000);
}

export async function effectsOf(host: Host, module: 'rooms' | 'payments', ref: string): Promise<Record<string, Effect>> {
  const response = await call(host, 'GET', `/${module}/v1/effects`);
  const { items } = (await response.json()) as { items: Effect[] };
  return Object.fromEntries(items.filter((e) => e.ref === ref).map((e) => [e.step, e]));
}

export const book = (host: Host, id: string, faults: Record<string, string> = {}) => call(host, 'POST', '/trips/v1/bookings', { id, faults });
