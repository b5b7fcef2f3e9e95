import { IntentNotFound, IntentNotVoidable } from '../domain/errors.ts';
import { providerKeys, type PaymentIntent } from '../domain/intent.ts';
import { findIntent, insertTombstone, transitionIntent } from '../infrastructure/intent-repository.ts';
import { askProvider } from './ask-provider.ts';
import { publishOutcome } from './intent-events.ts';
import type { PaymentsDeps } from './payments-deps.ts';

/**
 * Voids an authorization (key `void:<id>`); voiding a voided intent returns it, and a declined one (nothing is
 * held) is returned unchanged. A pending intent (its authorization's outcome unknown) is voided at the provider
 * by its authorization key, since the provider may have authorized it. An intent payments has never seen answers
 * not-found and leaves a tombstone, so an authorization still in flight is refused when it arrives.
 */
export async function voidPayment(deps: PaymentsDeps, intentId: string): Promise<PaymentIntent> {
  let intent = await findIntent(deps.db, intentId);
  if (!intent) {
    // Its own statement, committed whatever the answer: the tombstone must stay.
    if (await insertTombstone(deps.db, intentId)) throw new IntentNotFound(intentId);
    // An authorization recorded the intent between the look and the tombstone (whose insert waited on the id's
    // key): void that one, or its money stays held with nobody left to release it.
    intent = await findIntent(deps.db, intentId);
    if (!intent) throw new Error(`Payment intent ${intentId} neither found nor tombstoned after a concurrent insert.`);
  }
  if ('tombstone' in intent) throw new IntentNotFound(intentId);
  if (intent.status === 'voided' || intent.status === 'declined') return intent;
  if (intent.status === 'captured' || intent.status === 'refunded') throw new IntentNotVoidable(intentId, intent.status);
  const answer = await askProvider(deps, 'void', intentId, (signal) =>
    deps.provider.void({ key: providerKeys.void(intentId), intentId, authorizationKey: providerKeys.authorize(intentId), signal }),
  );
  if (answer.status !== 'succeeded') throw new IntentNotVoidable(intentId, answer.reason ?? 'refused by the provider');
  const voided = await deps.transaction(async (tx) => {
    const moved = await transitionIntent(tx, intentId, ['pending', 'authorized'], { status: 'voided' });
    if (moved) await publishOutcome(deps, tx, moved);
    return moved ?? findIntent(tx, intentId);
  });
  if (!voided || 'tombstone' in voided) throw new IntentNotFound(intentId);
  if (voided.status !== 'voided' && voided.status !== 'declined') throw new IntentNotVoidable(intentId, voided.status);
  return voided;
}
