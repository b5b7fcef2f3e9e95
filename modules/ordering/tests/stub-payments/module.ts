import { fileURLToPath } from 'node:url';
import { CleaveError, createRouter } from '../../../../platform/http/index.ts';
import { defineModule } from '../../../../platform/host/index.ts';
import { paymentsContract, type PaymentIntentDto } from '../../../payments/index.ts';

/**
 * TEMPORARY stand-in for the payments module while it is being written on its own branch: the contract's routes over
 * an in-memory map, with the contract's rules that checkout relies on (amounts ending in 13 declined, void of an
 * unknown intent leaving a tombstone). Removed once the real module is merged.
 */
export function stubPaymentsModule() {
  const intents = new Map<string, PaymentIntentDto>();
  const tombstones = new Set<string>();
  const authorizations: string[] = [];
  const routes = paymentsContract.routes;
  const notFound = (id: string) => new CleaveError('not_found', 'payments/intent-not-found', `No intent ${id}.`);
  const module = defineModule({
    name: 'payments',
    version: '0.0.0',
    owner: 'tests',
    costCentre: 'cc-test',
    description: 'Test stand-in for payments.',
    contract: paymentsContract,
    migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
    routes() {
      const app = createRouter();
      const save = (i: PaymentIntentDto, changes: Partial<PaymentIntentDto>) => {
        const next = { ...i, ...changes, updatedAt: new Date().toISOString() };
        intents.set(i.id, next);
        return next;
      };
      app.openapi(routes.authorizePayment, async (c) => {
        const { intentId } = c.req.valid('param');
        const input = c.req.valid('json');
        if (tombstones.has(intentId)) throw new CleaveError('conflict', 'payments/intent-voided', 'voided');
        const existing = intents.get(intentId);
        if (existing) return c.json(existing, 200);
        const now = new Date().toISOString();
        const base: PaymentIntentDto = {
          id: intentId,
          ...input,
          status: 'pending',
          capturedAmount: 0,
          refundedAmount: 0,
          declineReason: null,
          createdAt: now,
          updatedAt: now,
        };
        if (input.amount % 100 === 13) {
          intents.set(intentId, { ...base, status: 'declined', declineReason: 'test decline' });
          throw new CleaveError('conflict', 'payments/card-declined', 'The card was declined.');
        }
        authorizations.push(intentId);
        intents.set(intentId, { ...base, status: 'authorized' });
        return c.json(intents.get(intentId) as PaymentIntentDto, 201);
      });
      app.openapi(routes.capturePayment, async (c) => {
        const i = intents.get(c.req.valid('param').intentId);
        if (!i) throw notFound(c.req.valid('param').intentId);
        if (i.status === 'captured') return c.json(i, 200);
        if (i.status !== 'authorized') throw new CleaveError('conflict', 'payments/intent-not-capturable', i.status);
        return c.json(save(i, { status: 'captured', capturedAmount: i.amount }), 200);
      });
      app.openapi(routes.voidPayment, async (c) => {
        const id = c.req.valid('param').intentId;
        const i = intents.get(id);
        if (!i) {
          tombstones.add(id);
          throw notFound(id);
        }
        if (i.status === 'voided') return c.json(i, 200);
        if (i.status !== 'authorized') throw new CleaveError('conflict', 'payments/intent-not-voidable', i.status);
        return c.json(save(i, { status: 'voided' }), 200);
      });
      app.openapi(routes.refundPayment, async () => {
        throw new CleaveError('conflict', 'payments/intent-not-refundable', 'not in the stand-in');
      });
      app.openapi(routes.getPayment, async (c) => {
        const i = intents.get(c.req.valid('param').intentId);
        if (!i) throw notFound(c.req.valid('param').intentId);
        return c.json(i, 200);
      });
      app.openapi(routes.getLedger, async (c) => c.json({ balanced: true, entries: authorizations.length, accounts: [] }, 200));
      return app;
    },
  });
  return module;
}
