import type { LedgerDto } from '../contract/payments.schemas.ts';
import { IntentNotFound } from '../domain/errors.ts';
import type { PaymentIntent } from '../domain/intent.ts';
import { findIntent } from '../infrastructure/intent-repository.ts';
import { accountBalances, entryCounts } from '../infrastructure/ledger-repository.ts';
import type { PaymentsDeps } from './payments-deps.ts';

export async function getPayment(deps: Pick<PaymentsDeps, 'db'>, intentId: string): Promise<PaymentIntent> {
  const intent = await findIntent(deps.db, intentId);
  if (!intent || 'tombstone' in intent) throw new IntentNotFound(intentId);
  return intent;
}

/**
 * The ledger as its accounts' sums, computed from the postings (of one intent's entries when `intentId` is given).
 * `balanced`: every entry has debits equal to credits, and so every currency's total debits equal its credits.
 */
export async function getLedger(deps: Pick<PaymentsDeps, 'db'>, intentId?: string): Promise<LedgerDto> {
  const [accounts, counts] = await Promise.all([accountBalances(deps.db, intentId), entryCounts(deps.db, intentId)]);
  const totals = new Map<string, number>();
  for (const a of accounts) totals.set(a.currency, (totals.get(a.currency) ?? 0) + a.debits - a.credits);
  return {
    balanced: counts.unbalanced === 0 && [...totals.values()].every((t) => t === 0),
    entries: counts.entries,
    accounts: accounts.map((a) => ({ ...a, balance: a.debits - a.credits })),
  };
}
