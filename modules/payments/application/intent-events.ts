import type { Executor } from '../../../platform/db/index.ts';
import { paymentAuthorized, paymentCaptured, paymentDeclined, paymentRefunded, paymentVoided } from '../contract/events.ts';
import type { PaymentIntent } from '../domain/intent.ts';
import type { PaymentsDeps } from './payments-deps.ts';

const payload = (i: PaymentIntent) => ({ intentId: i.id, reference: i.reference, customerId: i.customerId, amount: i.amount, currency: i.currency });

/** Publishes what happened to an intent, in the transaction that changed it. */
export async function publishOutcome(deps: Pick<PaymentsDeps, 'outbox'>, tx: Executor, intent: PaymentIntent): Promise<void> {
  if (intent.status === 'authorized') await deps.outbox.publish(tx, paymentAuthorized, payload(intent));
  else if (intent.status === 'declined') await deps.outbox.publish(tx, paymentDeclined, { ...payload(intent), reason: intent.declineReason ?? 'declined' });
  else if (intent.status === 'captured') await deps.outbox.publish(tx, paymentCaptured, payload(intent));
  else if (intent.status === 'voided') await deps.outbox.publish(tx, paymentVoided, payload(intent));
}

/** Publishes a refund of `amount` (the intent carries all refunds so far). */
export async function publishRefund(deps: Pick<PaymentsDeps, 'outbox'>, tx: Executor, intent: PaymentIntent, amount: number): Promise<void> {
  await deps.outbox.publish(tx, paymentRefunded, { ...payload(intent), amount, refundedAmount: intent.refundedAmount });
}
