import { createRouter, type App } from '../../../platform/http/index.ts';
import type { PaymentsDeps } from '../application/payments-deps.ts';
import { authorizePayment } from '../application/authorize-payment.ts';
import { capturePayment } from '../application/capture-payment.ts';
import { getLedger, getPayment } from '../application/read-payments.ts';
import { refundPayment } from '../application/refund-payment.ts';
import { voidPayment } from '../application/void-payment.ts';
import * as routes from '../contract/payments.routes.ts';
import type { PaymentIntentDto } from '../contract/payments.schemas.ts';
import type { PaymentIntent } from '../domain/intent.ts';

function intentDto(i: PaymentIntent): PaymentIntentDto {
  return {
    id: i.id,
    reference: i.reference,
    customerId: i.customerId,
    amount: i.amount,
    currency: i.currency,
    status: i.status,
    capturedAmount: i.capturedAmount,
    refundedAmount: i.refundedAmount,
    declineReason: i.declineReason,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

/** Payments' HTTP surface: each handler reads its validated input, calls one use case and maps the result. */
export function paymentsRoutes(deps: PaymentsDeps): App {
  const app = createRouter();

  app.openapi(routes.authorizePayment, async (c) => {
    const { intent, created } = await authorizePayment(deps, c.req.valid('param').intentId, c.req.valid('json'));
    return created ? c.json(intentDto(intent), 201) : c.json(intentDto(intent), 200);
  });

  app.openapi(routes.capturePayment, async (c) => c.json(intentDto(await capturePayment(deps, c.req.valid('param').intentId)), 200));

  app.openapi(routes.voidPayment, async (c) => c.json(intentDto(await voidPayment(deps, c.req.valid('param').intentId)), 200));

  app.openapi(routes.refundPayment, async (c) => {
    const input = { amount: c.req.valid('json').amount, idempotencyKey: c.req.header('idempotency-key') };
    return c.json(intentDto(await refundPayment(deps, c.req.valid('param').intentId, input)), 200);
  });

  app.openapi(routes.getPayment, async (c) => c.json(intentDto(await getPayment(deps, c.req.valid('param').intentId)), 200));

  app.openapi(routes.getLedger, async (c) => c.json(await getLedger(deps, c.req.valid('query').intentId), 200));

  return app;
}
