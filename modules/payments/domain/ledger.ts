/**
 * The double-entry ledger's accounts. An authorization is a hold on the customer's card, not a movement of money:
 * it is kept on the intent and never booked. Money moves at capture and at refund:
 *
 * - `provider-clearing` (asset): what the provider has collected for us and will pay out;
 * - `merchant-sales` (income): what was sold;
 * - `merchant-refunds` (contra-income): what was given back.
 */
export const accounts = { clearing: 'provider-clearing', sales: 'merchant-sales', refunds: 'merchant-refunds' } as const;

export interface Posting {
  account: string;
  debit: number;
  credit: number;
}

/** A money movement of one intent: `capture` or `refund:<seq>`, unique per intent. */
export interface Movement {
  intentId: string;
  movement: string;
  currency: string;
  postings: Posting[];
}

/** The capture of `amount`: the provider owes it to us, and it is a sale. */
export function captureMovement(intentId: string, currency: string, amount: number): Movement {
  return {
    intentId,
    movement: 'capture',
    currency,
    postings: [
      { account: accounts.clearing, debit: amount, credit: 0 },
      { account: accounts.sales, debit: 0, credit: amount },
    ],
  };
}

/** A refund of `amount`: the provider pays it back to the customer out of what it owes us. */
export function refundMovement(intentId: string, currency: string, seq: number, amount: number): Movement {
  return {
    intentId,
    movement: `refund:${seq}`,
    currency,
    postings: [
      { account: accounts.refunds, debit: amount, credit: 0 },
      { account: accounts.clearing, debit: 0, credit: amount },
    ],
  };
}

/** Whether a movement's debits equal its credits; booking refuses one that does not (the database checks again). */
export function balances(movement: Movement): boolean {
  const debits = movement.postings.reduce((sum, p) => sum + p.debit, 0);
  const credits = movement.postings.reduce((sum, p) => sum + p.credit, 0);
  return debits === credits && debits > 0;
}
