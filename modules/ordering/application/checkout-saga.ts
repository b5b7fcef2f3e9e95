import type { ModuleContext } from '../../../platform/host/index.ts';
import { defineSaga, step } from '../../../platform/sagas/index.ts';
import { decideComplete, decideConfirm, decideReject } from '../domain/order-decisions.ts';
import { changeOrder } from './change-order.ts';
import { checkoutInput, type CheckoutInput, type CheckoutUndo } from './checkout-context.ts';
import { authorizeOrderPayment, captureOrderPayment, voidOrderPayment } from './checkout-payment.ts';
import { commitOrderStock, releaseOrderStock, reserveOrderStock } from './checkout-stock.ts';
import { rejectionReason } from './rejection-reason.ts';

type Step = Parameters<typeof step<CheckoutInput, ModuleContext>>[1];

/** Rejects a pending order with the reason of the failure; a rejected one stays as it is; a confirmed one refuses. */
async function rejectOrder({ context, input, failure }: CheckoutUndo): Promise<void> {
  await changeOrder(context, input.orderId, (s) => decideReject(s, input.orderId, rejectionReason(failure)));
}

const local = (options: Step) => ({ timeoutMs: 5_000, ...options });
const remote = (options: Step) => ({ timeoutMs: 10_000, ...options });

/**
 * Checkout, orchestrated by ordering: reserve stock → authorize payment → confirm the order (the point of no return)
 * → capture payment → commit stock → complete the order. Before confirmation a failure undoes every attempted step in
 * reverse (release, void) and the order ends rejected with the failure's reason; after it, steps are retried forward.
 *
 * `open-order` does nothing forward; its compensation, run last, rejects the order once everything else is undone.
 * `confirm-order` compensates too, as a fence: should its own transaction land after its attempt timed out, the
 * rejection and the confirmation race on the stream version and only one wins; if the confirmation won, the
 * compensation refuses for good and the saga ends `stuck` (alerting) before anything is released or voided.
 */
export const checkoutSaga = defineSaga<typeof checkoutInput, ModuleContext>({
  name: 'checkout',
  input: checkoutInput,
  pointOfNoReturn: 'confirm-order',
  // Production timings: a step waits at most 10 s; the lease outlives two of them; retries back off to 30 s. Six
  // attempts (0.5 + 1 + 2 + 4 + 8 s of backoff, longer when a breaker's Retry-After says so) ride out a participant's
  // restart: with four (3.5 s) the chaos run rejected a quarter of its orders while payments restarted.
  timings: { pollMs: 1000, leaseMs: 30_000, retryBaseMs: 500, retryMaxMs: 30_000, invokeAttempts: 6, compensationAttempts: 8 },
  steps: [
    step('open-order', local({ invoke: async () => null, compensate: rejectOrder })),
    step('reserve-stock', remote({ invoke: reserveOrderStock, compensate: releaseOrderStock })),
    step('authorize-payment', remote({ invoke: authorizeOrderPayment, compensate: voidOrderPayment })),
    step(
      'confirm-order',
      local({
        invoke: async ({ context, input }) => ({ status: (await changeOrder(context, input.orderId, (s) => decideConfirm(s, input.orderId))).status }),
        compensate: rejectOrder,
      }),
    ),
    step('capture-payment', remote({ invoke: captureOrderPayment })),
    step('commit-stock', remote({ invoke: commitOrderStock })),
    step(
      'complete-order',
      local({
        invoke: async ({ context, input }) => ({ status: (await changeOrder(context, input.orderId, (s) => decideComplete(s, input.orderId))).status }),
      }),
    ),
  ],
});
