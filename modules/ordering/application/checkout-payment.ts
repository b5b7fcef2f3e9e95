import type { CurrencyCode } from '../../../platform/http/index.ts';
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
  // A cart takes no line priced in a currency payments refuses (setCartLine), so its order has none either.
  const currency = state.total.currency as CurrencyCode;
  const { body } = await context
    .client(paymentsContract)
    .authorizePayment(
      { params: { intentId }, body: { reference: input.orderId, customerId: state.customerId, amount: state.total.amount, currency } },
      { idempotencyKey, signal },
    );
  signal.throwIfAborted();
  await changeOrder(context, input.orderId, (s) => decidePaymentAuthorized(s, input.orderId, intentId));
  return { intentId, status: body.status };
}

/**
 * Voids the order's intent, authorized or not: a declined or voided intent is returned as it is, and voiding an intent
 * payments never saw answers 404 and leaves a tombstone, so an authorization still in flight is refused when it lands.
 */
export async function voidOrderPayment({ context, input, idempotencyKey, signal }: CheckoutUndo): Promise<void> {
  const state = await loadPlacedOrder(context, input.orderId);
  if (state.total.amount === 0) return;
  try {
    await context.client(paymentsContract).voidPayment({ params: { intentId: paymentIntentIdOf(input.orderId) } }, { idempotencyKey, signal });
  } catch (error) {
    if (!refusedWith(error, 'payments/intent-not-found')) throw error;
  }
}

/**
 * `capture-payment`, after the point of no return: retried until it succeeds. Capture is idempotent by intent at
 * payments (a captured intent is returned as it is), so no step key is sent: a refusal (the provider declining a
 * capture for now) would be stored under it and replayed on every retry, holding the order back for good.
 */
export async function captureOrderPayment({ context, input, signal }: CheckoutStep): Promise<PaymentResult> {
  const state = await loadPlacedOrder(context, input.orderId);
  if (state.total.amount === 0) return { intentId: null, status: 'not-needed' };
  const intentId = paymentIntentIdOf(input.orderId);
  const { body } = await context.client(paymentsContract).capturePayment({ params: { intentId } }, { signal });
  await changeOrder(context, input.orderId, (s) => decidePaymentCaptured(s, input.orderId, intentId));
  return { intentId, status: body.status };
}
