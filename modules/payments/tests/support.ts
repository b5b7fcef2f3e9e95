import { randomUUID } from 'node:crypto';
import { modules } from '../../../apps/modules.ts';
import type { Host } from '../../../platform/host/index.ts';
import type { TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, startTestHost } from '../../../tests/support/test-host.ts';
import { countOperations } from '../infrastructure/provider/provider-operations.ts';
import { checkLedger } from './ledger-checker.ts';

/** A host with payments (and identity, for tokens) over `database`, the provider simulator set by `env`. */
export function startPaymentsHost(database: TestDatabaseHandle, env: Record<string, string> = {}): Promise<Host> {
  return startTestHost({
    database,
    modules: modules.filter((m) => m.name === 'payments'),
    env: { PAYMENTS_PROVIDER_LATENCY_MS: '2', ...env },
  });
}

/** Payments' API on `host`, as a client with a token holding every scope. */
export function paymentsApi(host: Host) {
  const send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(host, method, path, body, headers);
  return {
    send,
    authorize: (intentId: string, amount = 1999, more: { reference?: string; currency?: string; customerId?: string } = {}) =>
      send('POST', `/payments/v1/intents/${intentId}/authorize`, {
        reference: more.reference ?? `order-${intentId}`,
        customerId: more.customerId ?? 'alice',
        amount,
        currency: more.currency ?? 'EUR',
      }),
    capture: (intentId: string) => send('POST', `/payments/v1/intents/${intentId}/capture`),
    void: (intentId: string) => send('POST', `/payments/v1/intents/${intentId}/void`),
    refund: (intentId: string, amount?: number, headers?: Record<string, string>) =>
      send('POST', `/payments/v1/intents/${intentId}/refund`, amount === undefined ? {} : { amount }, headers),
    get: (intentId: string) => send('GET', `/payments/v1/intents/${intentId}`),
    /** The ledger's invariant problems for these intents ([] when all hold). */
    ledgerProblems: (intentIds: readonly string[]) => checkLedger((m, p) => send(m, p), intentIds),
  };
}

/** How many operations of `kind` the simulated provider recorded for the intent (its own books, read directly). */
export function providerOperations(host: Host, intentId: string, kind: 'authorize' | 'capture' | 'void' | 'refund'): Promise<number> {
  const payments = host.modules.find((m) => m.definition.name === 'payments');
  if (!payments) throw new Error('payments is not hosted here');
  return countOperations(payments.context.db, intentId, kind);
}

export const newIntent = (): string => randomUUID();
