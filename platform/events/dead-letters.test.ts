import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle } from '../db/index.ts';
import { describeError } from './dead-letters.ts';
import { openTestPglite } from '../../tests/support/pglite-image.ts';

describe('describeError (a dead letter’s error, as /ops and the events CLI show it)', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestPglite();
  });
  afterAll(() => handle.close());

  it('a failed query says what the database refused, and leaves the query’s parameters out', async () => {
    const error = await handle.db.execute(sql`select 1 / 0 where ${'sealed-secret-value'} <> ${'x'}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    const text = describeError(error);
    expect(text).toContain('division by zero');
    expect(text).toContain('Failed query: select 1 / 0');
    expect(text).not.toContain('sealed-secret-value');
  });

  it('follows the cause chain, and shows a thrown value that is not an Error as text', () => {
    const error = new Error('the handler failed', { cause: new TypeError('x is undefined', { cause: 'a string cause' }) });
    expect(describeError(error)).toBe('Error: the handler failed <- x is undefined <- a string cause');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(new Error('y'.repeat(5000))).length).toBe(2000);
  });
});
