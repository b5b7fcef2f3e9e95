import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { fieldErrors } from './field-errors.ts';
import { currencyCode, currencyCodes, isCurrencyCode, maxMoneyAmount, moneyAmount } from './money.ts';

const price = z.object({ amount: moneyAmount(), currency: currencyCode() }).strict();

function errorsOf(input: unknown) {
  const parsed = price.safeParse(input);
  return parsed.success ? [] : fieldErrors({ target: 'json', issues: parsed.error.issues, input, schema: price }).map((e) => [e.path, e.message, e.code]);
}

describe('money in requests', () => {
  it('the currency list is 162 distinct ISO 4217 codes in order, without the test and no-currency codes', () => {
    expect(currencyCodes).toHaveLength(162);
    expect([...currencyCodes].sort()).toEqual([...currencyCodes]);
    expect(new Set(currencyCodes).size).toBe(currencyCodes.length);
    for (const code of currencyCodes) expect(code).toMatch(/^[A-Z]{3}$/);
    for (const code of ['XTS', 'XXX', 'ZZZ']) expect(isCurrencyCode(code)).toBe(false);
  });

  it('the runtime knows no currency in use that the list lacks (a newer ICU adding one fails here, to be added on purpose)', () => {
    // Not equality: a runtime may know fewer (Deno 2 lacks SLE, XCG and ZWG), and the contract keeps them regardless.
    expect(Intl.supportedValuesOf('currency').filter((code) => !isCurrencyCode(code))).toEqual([]);
  });

  it('a made-up currency is refused saying what is accepted; a missing one is required', () => {
    expect(errorsOf({ amount: 100, currency: 'EUR' })).toEqual([]);
    expect(errorsOf({ amount: 100, currency: 'ZZZ' })).toEqual([
      ['currency', 'currency must be an ISO 4217 currency code in use, such as EUR, USD or JPY; got "ZZZ".', 'invalid_value'],
    ]);
    expect(errorsOf({ amount: 100 })).toEqual([
      ['currency', 'currency is required; it must be an ISO 4217 currency code in use, such as EUR, USD or JPY.', 'required'],
    ]);
  });

  it('an amount above the limit is refused naming the limit', () => {
    expect(errorsOf({ amount: maxMoneyAmount, currency: 'EUR' })).toEqual([]);
    expect(errorsOf({ amount: maxMoneyAmount + 1, currency: 'EUR' })).toEqual([
      ['amount', 'amount must be a whole number from 0 to 1000000000; got 1000000001.', 'too_big'],
    ]);
    expect(moneyAmount({ min: 1 }).safeParse(0).success).toBe(false);
  });

  it('the limit fits the 32-bit integer columns that store unit prices', () => {
    expect(maxMoneyAmount).toBeLessThanOrEqual(2 ** 31 - 1);
  });
});
