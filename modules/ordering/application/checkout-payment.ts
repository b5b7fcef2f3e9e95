import { paymentsContract } from '../../payments/index.ts';
import { decidePaymentAuthorized, decidePaymentCaptured } from '../domain/order-decisions.ts';
import { changeOrder } from './change-order.ts';
import { paymentIntentIdOf } from './checkout-ids.ts';
import { loadPlacedOrder, refusedWith, type CheckoutStep, type CheckoutUndo } from './checkout-context.ts';

/** An order that costs nothing needs no payment: its payment steps do nothing. */
type PaymentResult = { intentId: string; status: string } | { intentId: null; status: 'not-needed' };

/** `authorize-payment`: one intent per order (its id derived from the order id), so retries authorize once. */
export async function authorizeOrderPayment({ context, input, idempotencyKey, signal }: CheckoutStep): Promise<PaymentResult> {
  const state = await loadPlacedOrder(context, input.orderId);
  if (state.total.amount === 0) return { intentId: null, status: 'not-needed' };
  const intentId = paymentIntentIdOf(input.orderId);
  const { body } = await context
    .client(paymentsContract)
    .authorizePayment(
      { params: { intentId }, body: { reference: input.orderId, customerId: state.customerId, amount: state.total.amount, currency: state.total.currency } },
      { idempotencyKey, signal },
    );
  signal.throwIfAborted();
  await changeOrder(context, input.orderId, (s) => decidePaymentAuthorized(s, input.orderId, intentId));
  return { intentId, status: body.status };
}

/**
 * Voids the order's intent, authorized or not: voiding an intent payments never saw answers 404 and leaves a tombstone,
 * so an authorization still in flight is refused when it lands. A declined or already voided intent holds nothing.
 */
export async function voidOrderPayment({ context, input, idempotencyKey, signal }: CheckoutUndo): Promise<void> {
  const state = await loadPlacedOrder(context, input.orderId);
  if (state.total.amount === 0) return;
  const intentId = paymentIntentIdOf(input.orderId);
  const payments = context.client(paymentsContract);
  try {
    await payments.voidPayment({ params: { intentId } }, { idempotencyKey, signal });
  } catch (error) {
    if (refusedWith(error, 'payments/intent-not-found')) return;
    if (!refusedWith(error, 'payments/intent-not-voidable')) throw error;
    const { body } = await payments.getPayment({ params: { intentId } }, { signal });
    if (body.status !== 'declined' && body.status !== 'voided') throw error;
  }
}

/** `capture-payment`, after the point of no return: retried until it succeeds; a capture already made counts. */
export async function captureOrderPayment({ context, input, idempotencyKey, signal }: CheckoutStep): Promise<PaymentResult> {
  const state = await loadPlacedOrder(context, input.orderId);
  if (state.total.amount === 0) return { intentId: null, status: 'not-needed' };
  const intentId = paymentIntentIdOf(input.orderId);
  const payments = context.client(paymentsContract);
  let status: string;
  try {
    status = (await payments.capturePayment({ params: { intentId } }, { idempotencyKey, signal })).body.status;
  } catch (error) {
    if (!refusedWith(error, 'payments/intent-not-capturable')) throw error;
    // A refusal is kept under the step's key and replayed on every retry: look whether the capture happened after all.
    const { body } = await payments.getPayment({ params: { intentId } }, { signal });
    if (body.status !== 'captured') throw error;
    status = body.status;
  }
  await changeOrder(context, input.orderId, (s) => decidePaymentCaptured(s, input.orderId, intentId));
  return { intentId, status };
}
