import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContract } from '../contracts/index.ts';
import { defineEvent } from '../events/index.ts';
import { createRouter } from '../http/index.ts';
import { defineModule } from '../host/index.ts';
import { tableDataProblems, type TableData } from './classification.ts';
import { parseRetention } from './retention.ts';

describe('data classification', () => {
  it('reads retention periods into a PostgreSQL interval and days, and an indefinite one with its reason', () => {
    expect(parseRetention('7y')).toEqual({ kind: 'period', text: '7y', interval: '7 years', days: 2555 });
    expect(parseRetention('1d')).toMatchObject({ interval: '1 day', days: 1 });
    expect(parseRetention('18mo')).toMatchObject({ interval: '18 months' });
    expect(parseRetention({ indefinite: 'the history' })).toEqual({ kind: 'indefinite', reason: 'the history' });
  });

  it('a retention that is not a period, or an indefinite one without a reason, is refused', () => {
    expect(() => parseRetention('30 days' as never)).toThrow(/retention "30 days" is not a period such as 30d/);
    expect(() => parseRetention('0d' as never)).toThrow(/not a period/);
    expect(() => parseRetention({ indefinite: ' ' })).toThrow(/needs its reason/);
  });

  it('names each problem of a declaration with its table', () => {
    const entry = {
      classification: 'personal',
      retention: 'forever',
      legalBasis: '',
      columns: { card: { category: 'sensitive', protection: 'plain' } },
    } as unknown as TableData;
    expect(tableDataProblems('payments', entry)).toEqual([
      'payments: retention "forever" is not a period such as 30d, 12w, 18mo or 7y (or { indefinite: \'why\' })',
      'payments: a personal table needs a legalBasis',
      'payments.card: a sensitive column in a table classified personal: classify the table sensitive',
    ]);
    expect(tableDataProblems('t', { classification: 'confidential', retention: '1d' } as unknown as TableData)).toEqual([
      't: classification "confidential" is not one of public, internal, personal, sensitive',
    ]);
    expect(tableDataProblems('t', { classification: 'internal', retention: '1d', subject: 'user_id' })).toEqual([
      't: names a subject column, so it is about a person: classify it personal or sensitive',
    ]);
  });

  it('a retention job declaration that cannot work is refused, naming the table', () => {
    const entry = (more: Partial<TableData>) => ({ classification: 'internal', retention: '1y', ...more }) as TableData;
    expect(tableDataProblems('t', entry({ retention: { indefinite: 'history' }, agedBy: 'created_at' }))).toEqual([
      't: agedBy "created_at" with an indefinite retention: rows that are kept forever do not age',
    ]);
    expect(tableDataProblems('t', entry({ agedBy: 'Created At' }))).toEqual(['t: agedBy "Created At" is not a column name (lower case, digits, _)']);
    expect(tableDataProblems('t', entry({ onExpiry: { anonymise: { customer_id: null } } }))).toEqual([
      "t: onExpiry anonymises, which needs agedBy: the timestamp column a row's age is counted from",
    ]);
    expect(tableDataProblems('t', entry({ agedBy: 'created_at', onExpiry: { anonymise: {} } }))).toEqual(['t: onExpiry.anonymise names no column']);
    expect(tableDataProblems('t', entry({ agedBy: 'created_at', onExpiry: { anonymise: { created_at: null } } }))).toEqual([
      't.created_at: the agedBy column cannot be anonymised',
    ]);
    expect(tableDataProblems('t', entry({ agedBy: 'created_at', onExpiry: 'purge' as never }))).toEqual([
      "t: onExpiry must be 'delete' or { anonymise: { column: null | 'replacement' } }",
    ]);
    expect(tableDataProblems('t', entry({ agedBy: 'created_at', onExpiry: { anonymise: { customer_id: 'anonymised' } } }))).toEqual([]);
  });

  it('onlyWhen and belongsTo that cannot work are refused, naming the table', () => {
    const entry = (more: Partial<TableData>) => ({ classification: 'internal', retention: '1y', ...more }) as TableData;
    const owner = { table: 'sagas', column: 'saga_id', references: 'id' };
    expect(tableDataProblems('t', entry({ agedBy: 'ended_at', onlyWhen: { state: ['completed'] } }))).toEqual([]);
    expect(tableDataProblems('t', entry({ belongsTo: owner }))).toEqual([]);
    expect(tableDataProblems('t', entry({ onlyWhen: { state: ['completed'] } }))).toEqual([
      "t: onlyWhen needs agedBy: the timestamp column a row's age is counted from",
    ]);
    expect(tableDataProblems('t', entry({ agedBy: 'ended_at', onlyWhen: {} }))).toEqual([
      "t: onlyWhen must name at least one column with the values that let a row age: { state: ['done'] }",
    ]);
    expect(tableDataProblems('t', entry({ agedBy: 'ended_at', onlyWhen: { 'State!': ['x'], state: [] } }))).toEqual([
      't: onlyWhen names "State!", which is not a column name',
      't.state: onlyWhen lists the values (texts) a row must hold to age, at least one',
    ]);
    expect(tableDataProblems('t', entry({ retention: { indefinite: 'kept' }, belongsTo: owner }))).toEqual([
      't: belongsTo with an indefinite retention: rows that are kept forever do not go with another',
    ]);
    expect(tableDataProblems('t', entry({ agedBy: 'at', belongsTo: owner }))).toEqual([
      't: belongsTo and agedBy both given: a row goes with its owner, or ages by its own column, not both',
    ]);
    expect(tableDataProblems('t', entry({ belongsTo: { ...owner, column: 'saga id' } }))).toEqual([
      't: belongsTo.column "saga id" is not a table or column name',
    ]);
    expect(tableDataProblems('t', entry({ belongsTo: { ...owner, table: 't' } }))).toEqual(['t: belongsTo names the table itself']);
  });

  it('defineModule refuses a module that classifies its data wrongly, listing every problem', () => {
    const base = { version: '1.0.0', owner: 't', costCentre: 'cc', description: 'd', migrations: '', routes: () => createRouter() };
    expect(() =>
      defineModule({
        ...base,
        name: 'shop',
        contract: defineContract('shop', { routes: {} }),
        data: {
          people: { classification: 'personal', retention: '1y', legalBasis: ' ' },
          copies: { classification: 'internal', retention: '1y', copiesOf: ['other.thing-happened'] },
        },
      }),
    ).toThrow(
      'Module shop classifies its data wrongly:\n- people: a personal table needs a legalBasis\n- copies: keeps copies of other.thing-happened, an event the module does not subscribe to',
    );
  });

  it('an event cannot classify a field its payload does not have', () => {
    expect(() =>
      defineEvent({
        name: 'shop.signed-up',
        version: 1,
        schema: z.object({ userId: z.string() }),
        key: (p) => p.userId,
        fields: { email: { category: 'personal', protection: 'encrypted' } } as never,
      }),
    ).toThrow('Event shop.signed-up v1 classifies "email", which its payload does not have.');
  });
});
