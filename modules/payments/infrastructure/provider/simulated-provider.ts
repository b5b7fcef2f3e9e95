import { randomUUID } from 'node:crypto';
import type { PaymentsConfig } from '../../../../platform/config/index.ts';
import type { Executor } from '../../../../platform/db/index.ts';
import type { AuthorizeRequest, CaptureRequest, PaymentProvider, ProviderCall, ProviderOutcome, RefundRequest, VoidRequest } from './payment-provider.ts';
import { ProviderError } from './payment-provider.ts';
import { findOperation, recordOperation, settleAuthorization, type NewProviderOperation, type ProviderOperation } from './provider-operations.ts';
import { hang, seededRandom, sleep, type Random } from './random.ts';

export interface SimulatedProviderOptions {
  /**
   * Where it keeps its records. Each write is a statement of its own, committed at once and never part of a
   * transaction of payments: the provider's records must not roll back with payments' work.
   */
  db: Executor;
  settings: PaymentsConfig['provider'];
  random?: Random;
}

type Fault = 'error' | 'timeout' | 'lost-reply' | undefined;

/**
 * Test amounts, whatever the rates: an authorization whose amount's last two digits (in minor units) are
 * - `13` is always declined (`test-card-declined`);
 * - `51` fails with a provider error on its first call, `52` hangs past the deadline on its first call (nothing
 *   recorded), `53` is recorded but its first reply is lost; a retry with the same key then succeeds.
 * "First call" is per process: the simulator remembers which keys it already failed.
 */
export const testAmounts = { declined: 13, error: 51, timeout: 52, lostReply: 53 } as const;

/**
 * A payment provider simulated in-process, behaving like an external idempotent API: latency, declines, errors,
 * hangs and lost replies at the configured rates. It keeps its operations in `provider_operations` (its stand-in for
 * the provider's own database), so a key it answered is answered the same way after a crash of this process.
 */
export function createSimulatedProvider(options: SimulatedProviderOptions): PaymentProvider {
  const { db, settings } = options;
  const random = options.random ?? (settings.seed === undefined ? Math.random : seededRandom(settings.seed));
  const failedOnce = new Set<string>();

  function fault(call: ProviderCall, amount: number | undefined, kind: string): Fault {
    const trigger = kind === 'authorize' && amount !== undefined ? amount % 100 : undefined;
    const forced =
      trigger === testAmounts.error ? 'error' : trigger === testAmounts.timeout ? 'timeout' : trigger === testAmounts.lostReply ? 'lost-reply' : undefined;
    if (forced && !failedOnce.has(call.key)) {
      failedOnce.add(call.key);
      return forced;
    }
    const r = random();
    if (r < settings.errorRate) return 'error';
    if (r < settings.errorRate + settings.timeoutRate) return 'timeout';
    if (r < settings.errorRate + settings.timeoutRate + settings.lostReplyRate) return 'lost-reply';
    return undefined;
  }

  /** One call: latency, then the stored answer for a known key, else faults, the operation, and its record. */
  async function operate(
    call: ProviderCall,
    kind: NewProviderOperation['kind'],
    amount: number | undefined,
    act: () => Promise<ProviderOperation>,
  ): Promise<ProviderOutcome> {
    await sleep(random() * 2 * settings.latencyMs, call.signal);
    const stored = await findOperation(db, call.key);
    if (stored) return outcome(stored);
    const f = fault(call, amount, kind);
    if (f === 'error') throw new ProviderError(`simulated provider error on ${kind} ${call.key}`);
    if (f === 'timeout') return hang(call.signal);
    const done = await act();
    if (f === 'lost-reply') return hang(call.signal);
    return outcome(done);
  }

  const base = (call: ProviderCall, kind: NewProviderOperation['kind']) => ({ key: call.key, kind, intentId: call.intentId, reference: `sim_${randomUUID()}` });

  return {
    authorize: (call: AuthorizeRequest) =>
      operate(call, 'authorize', call.amount, () => {
        const declined = call.amount % 100 === testAmounts.declined ? 'test-card-declined' : random() < settings.declineRate ? 'insufficient-funds' : null;
        return recordOperation(db, {
          ...base(call, 'authorize'),
          amount: call.amount,
          currency: call.currency,
          outcome: declined ? 'declined' : 'authorized',
          reason: declined,
        });
      }),

    capture: (call: CaptureRequest) =>
      // Each step is idempotent, so a crash between them is repaired by the retry with the same key.
      operate(call, 'capture', call.amount, async () => {
        const captured = await settleAuthorization(db, call.authorizationKey, 'captured');
        const authorization = captured ?? (await findOperation(db, call.authorizationKey));
        const ok = authorization?.outcome === 'captured';
        return recordOperation(db, {
          ...base(call, 'capture'),
          amount: call.amount,
          outcome: ok ? 'succeeded' : 'declined',
          reason: ok ? null : `authorization ${authorization?.outcome ?? 'unknown'}`,
        });
      }),

    void: (call: VoidRequest) =>
      operate(call, 'void', undefined, async () => {
        await settleAuthorization(db, call.authorizationKey, 'voided');
        // An authorization not received yet is voided ahead: when it arrives, its key answers `voided`.
        const authorization = await recordOperation(db, {
          ...base(call, 'authorize'),
          key: call.authorizationKey,
          outcome: 'voided',
          reason: 'voided before it arrived',
        });
        const ok = authorization.outcome !== 'captured';
        return recordOperation(db, { ...base(call, 'void'), outcome: ok ? 'succeeded' : 'declined', reason: ok ? null : 'authorization captured' });
      }),

    refund: (call: RefundRequest) =>
      operate(call, 'refund', call.amount, () =>
        recordOperation(db, { ...base(call, 'refund'), amount: call.amount, currency: call.currency, outcome: 'succeeded', reason: null }),
      ),
  };
}

function outcome(operation: ProviderOperation): ProviderOutcome {
  return { status: operation.outcome as ProviderOutcome['status'], reason: operation.reason, reference: operation.reference };
}
