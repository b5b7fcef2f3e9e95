import { holdSubject } from '../../../platform/compliance/index.ts';
import type { Tx } from '../../../platform/db/index.ts';
import { CardDeclined, IntentConflict, IntentVoided } from '../domain/errors.ts';
import { providerKeys, sameRequest, type PaymentIntent, type PaymentRequest } from '../domain/intent.ts';
import { findIntent, insertPendingIntent, pseudonymOf, transitionIntent } from '../infrastructure/intent-repository.ts';
import type { ProviderOutcome } from '../infrastructure/provider/payment-provider.ts';
import { askProvider } from './ask-provider.ts';
import { publishOutcome } from './intent-events.ts';
import type { PaymentsDeps } from './payments-deps.ts';

/**
 * Creates the intent (or finds it: idempotent by id) and authorizes it at the provider with the key
 * `authorize:<id>`. The intent is recorded `pending` and committed before the provider is asked, so a crash during
 * the call leaves evidence; the answer, the new status and its event then commit together. A timeout leaves it
 * pending: the next call asks the provider again with the same key and learns what really happened. Concurrent
 * calls all send the same key, so the provider authorizes once, and only the one that moves the intent out of
 * `pending` publishes.
 */
export async function authorizePayment(deps: PaymentsDeps, intentId: string, asked: PaymentRequest): Promise<{ intent: PaymentIntent; created: boolean }> {
  // A customer erased meanwhile (a checkout under way) is recorded under the erasure's pseudonym, as their earlier
  // intents are: the same request again then still finds its intent.
  const { stored, request } = await deps.db.transaction(async (tx) => {
    await holdSubject(tx, 'payments', asked.customerId, 'shared');
    const pseudonym = await pseudonymOf(tx, asked.customerId);
    const recorded = pseudonym === undefined ? asked : { ...asked, customerId: pseudonym };
    return { stored: await insertPendingIntent(tx, intentId, recorded), request: recorded };
  });
  if ('tombstone' in stored) throw new IntentVoided(intentId);
  if (!sameRequest(stored, request)) throw new IntentConflict(intentId);
  if (stored.status !== 'pending') return { intent: settled(stored), created: false };
  const answer = await askProvider(deps, 'authorize', intentId, (signal) =>
    deps.provider.authorize({ key: providerKeys.authorize(intentId), intentId, amount: request.amount, currency: request.currency, signal }),
  );
  const status = statusOf(answer);
  const settle = async (tx: Tx) => {
    const moved = await transitionIntent(tx, intentId, ['pending'], { status, declineReason: answer.status === 'declined' ? answer.reason : null });
    if (moved) await publishOutcome(deps, tx, moved);
    return moved ? { intent: moved, created: true } : { intent: await findIntent(tx, intentId), created: false };
  };
  const result = status === 'authorized' ? await deps.transaction(settle) : await settleRefusal(deps, settle);
  if (!result.intent || 'tombstone' in result.intent) throw new IntentVoided(intentId);
  return { intent: settled(result.intent), created: result.created };
}

/**
 * A decline (or a void that got there first) happened at the provider even though the answer is an error: it
 * commits in a transaction of its own, not in the one a request with an Idempotency-Key holds until its answer
 * (which an error answer rolls back). An empty module transaction after it wakes the relay for its event.
 */
async function settleRefusal<T>(deps: PaymentsDeps, settle: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction(settle);
  await deps.transaction(async () => {});
  return result;
}

function statusOf(answer: ProviderOutcome): 'authorized' | 'declined' | 'voided' {
  if (answer.status === 'declined') return 'declined';
  // Voided at the provider before this authorization reached it (a void of the pending intent got there first).
  if (answer.status === 'voided') return 'voided';
  return 'authorized';
}

/** The answer for an intent whose authorization is settled: itself, or the refusal a repeat gets again. */
function settled(intent: PaymentIntent): PaymentIntent {
  if (intent.status === 'declined') throw new CardDeclined(intent.id, intent.declineReason ?? 'declined');
  if (intent.status === 'voided') throw new IntentVoided(intent.id);
  return intent;
}
