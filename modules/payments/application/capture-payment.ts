import { IntentNotCapturable, IntentNotFound } from '../domain/errors.ts';
import { providerKeys, type PaymentIntent } from '../domain/intent.ts';
import { captureMovement } from '../domain/ledger.ts';
import { findIntent, transitionIntent } from '../infrastructure/intent-repository.ts';
import { book } from '../infrastructure/ledger-repository.ts';
import { askProvider } from './ask-provider.ts';
import { publishOutcome } from './intent-events.ts';
import type { PaymentsDeps } from './payments-deps.ts';

/**
 * Captures the authorized amount (key `capture:<id>`); capturing a captured (or refunded) intent returns it. The
 * capture, its ledger entry and its event commit together, once.
 */
export async function capturePayment(deps: PaymentsDeps, intentId: string): Promise<PaymentIntent> {
  const intent = await findIntent(deps.db, intentId);
  if (!intent || 'tombstone' in intent) throw new IntentNotFound(intentId);
  if (intent.status === 'captured' || intent.status === 'refunded') return intent;
  if (intent.status !== 'authorized') throw new IntentNotCapturable(intentId, intent.status);
  const answer = await askProvider(deps, 'capture', intentId, (signal) =>
    deps.provider.capture({ key: providerKeys.capture(intentId), intentId, authorizationKey: providerKeys.authorize(intentId), amount: intent.amount, signal }),
  );
  if (answer.status !== 'succeeded') throw new IntentNotCapturable(intentId, answer.reason ?? 'refused by the provider');
  const captured = await deps.transaction(async (tx) => {
    const moved = await transitionIntent(tx, intentId, ['authorized'], { status: 'captured', capturedAmount: intent.amount });
    if (!moved) return findIntent(tx, intentId);
    await book(tx, captureMovement(intentId, moved.currency, moved.amount));
    await publishOutcome(deps, tx, moved);
    return moved;
  });
  if (!captured || 'tombstone' in captured) throw new IntentNotFound(intentId);
  if (captured.status !== 'captured' && captured.status !== 'refunded') throw new IntentNotCapturable(intentId, captured.status);
  return captured;
}
