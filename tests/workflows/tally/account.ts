import { z } from 'zod';
import { defineAggregate } from '../../../platform/event-sourcing/index.ts';
import { defineEvent } from '../../../platform/events/index.ts';

/** Stream events of an account. `deposited` v1 (amount only) is still stored in old streams and read as v2. */
export const accountOpened = defineEvent({
  name: 'tally.account-opened',
  version: 1,
  schema: z.object({ accountId: z.string(), owner: z.string() }),
  key: (p) => p.accountId,
});
export const depositedV1 = defineEvent({
  name: 'tally.deposited',
  version: 1,
  schema: z.object({ accountId: z.string(), amount: z.number().int() }),
  key: (p) => p.accountId,
});
export const deposited = defineEvent({
  name: 'tally.deposited',
  version: 2,
  schema: z.object({ accountId: z.string(), amount: z.number().int().positive(), note: z.string() }),
  key: (p) => p.accountId,
  upcast: { from: depositedV1, convert: (p: z.output<typeof depositedV1.schema>) => ({ ...p, note: '(before notes)' }) },
});
export const withdrawn = defineEvent({
  name: 'tally.withdrawn',
  version: 1,
  schema: z.object({ accountId: z.string(), amount: z.number().int().positive() }),
  key: (p) => p.accountId,
});

/** The integration event the account's changes imply, published through the outbox in the append's transaction. */
export const balanceChanged = defineEvent({
  name: 'tally.balance-changed',
  version: 1,
  schema: z.object({ accountId: z.string(), balance: z.number().int(), version: z.number().int() }),
  key: (p) => p.accountId,
});

export interface AccountState {
  open: boolean;
  owner: string | null;
  balance: number;
  deposits: number;
  lastNote: string | null;
}

export const account = defineAggregate({
  name: 'account',
  events: { opened: accountOpened, deposited, withdrawn },
  initial: (): AccountState => ({ open: false, owner: null, balance: 0, deposits: 0, lastNote: null }),
  evolve(state, event): AccountState {
    switch (event.type) {
      case 'opened':
        return { ...state, open: true, owner: event.payload.owner };
      case 'deposited':
        return { ...state, balance: state.balance + event.payload.amount, deposits: state.deposits + 1, lastNote: event.payload.note };
      case 'withdrawn':
        return { ...state, balance: state.balance - event.payload.amount };
    }
  },
});
