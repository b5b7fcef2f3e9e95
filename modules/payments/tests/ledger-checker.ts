import type { LedgerDto, PaymentIntentDto } from '../contract/payments.schemas.ts';

/** Something that answers requests to payments' API (a test host's `call`, a target's). */
export type CallPayments = (method: string, path: string) => Promise<Response>;

const clearing = 'provider-clearing';

/**
 * Checks the ledger's invariants through payments' public API and returns every problem found (none: `[]`):
 * the whole ledger balances; each intent's entries balance; a captured or refunded intent moved exactly
 * captured − refunded through provider clearing (captured booked as sales, refunds as refunds); any other intent
 * (pending, authorized, declined, voided) moved no money. Reusable by journey tests.
 *
 * @example
 * expect(await checkLedger((m, p) => target.call(m, p), [intentId])).toEqual([]);
 */
export async function checkLedger(call: CallPayments, intentIds: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const whole = (await (await call('GET', '/payments/v1/ledger')).json()) as LedgerDto;
  if (!whole.balanced) problems.push('the ledger does not balance');
  for (const id of intentIds) {
    const response = await call('GET', `/payments/v1/intents/${id}`);
    const ledger = (await (await call('GET', `/payments/v1/ledger?intentId=${id}`)).json()) as LedgerDto;
    if (!ledger.balanced) problems.push(`${id}: its entries do not balance`);
    const account = (name: string) => ledger.accounts.find((a) => a.account === name);
    const moved = account(clearing)?.balance ?? 0;
    if (response.status === 404) {
      if (ledger.entries > 0) problems.push(`${id}: unknown intent with ${ledger.entries} entries`);
      continue;
    }
    const intent = (await response.json()) as PaymentIntentDto;
    const expected = intent.status === 'captured' || intent.status === 'refunded' ? intent.capturedAmount - intent.refundedAmount : 0;
    if (moved !== expected) problems.push(`${id}: ${intent.status}, ${clearing} moved ${moved}, expected ${expected}`);
    if ((account('merchant-sales')?.credits ?? 0) !== intent.capturedAmount)
      problems.push(`${id}: sales ${account('merchant-sales')?.credits ?? 0} ≠ captured ${intent.capturedAmount}`);
    if ((account('merchant-refunds')?.debits ?? 0) !== intent.refundedAmount)
      problems.push(`${id}: refunds ${account('merchant-refunds')?.debits ?? 0} ≠ refunded ${intent.refundedAmount}`);
  }
  return problems;
}
