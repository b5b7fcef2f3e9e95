import { createHash } from 'node:crypto';
import { IntentNotFound, IntentNotRefundable, RefundExceedsCapture, RefundKeyReused } from '../domain/errors.ts';
import { providerKeys, refundable, type PaymentIntent } from '../domain/intent.ts';
import { refundMovement } from '../domain/ledger.ts';
import { addRefunded, findIntent, releaseRefund, reserveRefund } from '../infrastructure/intent-repository.ts';
import { book } from '../infrastructure/ledger-repository.ts';
import { findPendingRefunds, findRefundByKey, insertRefund, settleRefund, type Refund } from '../infrastructure/refund-repository.ts';
import { askProvider } from './ask-provider.ts';
import { publishRefund } from './intent-events.ts';
import type { PaymentsDeps } from './payments-deps.ts';

export interface RefundInput {
  /** Defaults to what is captured and not yet refunded. */
  amount: number | undefined;
  /** The request's Idempotency-Key: the refund's provider key derives from it, so a retry refunds once. */
  idempotencyKey: string | undefined;
}

/**
 * Refunds a captured payment in full or in part. The refund is recorded `pending` (holding its amount against the
 * capture) before the provider is asked with its key: `refund:<id>:<n>`, or one derived from the Idempotency-Key
 * (a request repeated with that key finishes the same refund). A request without one is a new refund, after it
 * finished the intent's refunds whose outcome is unknown (a timeout), with their own keys.
 */
export async function refundPayment(deps: PaymentsDeps, intentId: string, input: RefundInput): Promise<PaymentIntent> {
  const found = await findIntent(deps.db, intentId);
  if (!found || 'tombstone' in found) throw new IntentNotFound(intentId);
  const keyed =
    input.idempotencyKey === undefined ? undefined : `refund:${intentId}:key:${createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 32)}`;
  const earlier = keyed ? await findRefundByKey(deps.db, keyed) : undefined;
  // The key names one refund. The platform's stored answer may be gone (past IDEMPOTENCY_KEY_TTL, or another caller
  // sent the key), so a request naming another amount must not be answered with the earlier refund as its own.
  if (earlier && input.amount !== undefined && input.amount !== earlier.amount) throw new RefundKeyReused(intentId, input.amount, earlier.amount);
  if (earlier) return finish(deps, found, earlier);
  // Only without a key: a keyed request's first transaction is held until its answer, and the new refund must be
  // recorded, and the provider asked, outside it.
  if (!keyed) for (const unknown of await findPendingRefunds(deps.db, intentId)) await finish(deps, found, unknown);
  const intent = await current(deps, intentId);
  if (intent.status !== 'captured' && intent.status !== 'refunded') throw new IntentNotRefundable(intentId, intent.status);
  const amount = input.amount ?? refundable(intent);
  if (amount <= 0 || amount > refundable(intent)) throw new RefundExceedsCapture(intentId, amount, refundable(intent));
  // Pending refunds hold their amount: the check sits in the UPDATE, so concurrent refunds cannot exceed the capture.
  const refund = await deps.db.transaction(async (tx) => {
    const seq = await reserveRefund(tx, intentId, amount);
    return seq === undefined ? undefined : insertRefund(tx, { intentId, seq, providerKey: keyed ?? providerKeys.refund(intentId, seq), amount });
  });
  if (!refund) throw new RefundExceedsCapture(intentId, amount, refundable(intent));
  return finish(deps, intent, refund);
}

/** Asks the provider for a recorded refund (again, with its key, if it is pending) and books its outcome once. */
async function finish(deps: PaymentsDeps, intent: PaymentIntent, refund: Refund): Promise<PaymentIntent> {
  if (refund.status === 'declined') throw new IntentNotRefundable(intent.id, 'refund declined by the provider');
  if (refund.status === 'succeeded') return current(deps, intent.id);
  const answer = await askProvider(deps, 'refund', intent.id, (signal) =>
    deps.provider.refund({ key: refund.providerKey, intentId: intent.id, amount: refund.amount, currency: intent.currency, signal }),
  );
  const succeeded = answer.status === 'succeeded';
  await deps.transaction(async (tx) => {
    if (!(await settleRefund(tx, refund.providerKey, succeeded ? 'succeeded' : 'declined'))) return;
    if (!succeeded) return releaseRefund(tx, intent.id, refund.amount);
    const refunded = await addRefunded(tx, intent.id, refund.amount);
    await book(tx, refundMovement(intent.id, intent.currency, refund.seq, refund.amount));
    await publishRefund(deps, tx, refunded, refund.amount);
  });
  if (!succeeded) throw new IntentNotRefundable(intent.id, answer.reason ?? 'refund declined by the provider');
  return current(deps, intent.id);
}

async function current(deps: Pick<PaymentsDeps, 'db'>, intentId: string): Promise<PaymentIntent> {
  const intent = await findIntent(deps.db, intentId);
  if (!intent || 'tombstone' in intent) throw new IntentNotFound(intentId);
  return intent;
}
