import { z } from '@hono/zod-openapi';
import { acceptedDescriptions } from './schemas.ts';

/**
 * Money in requests: an amount in integer minor units and an ISO 4217 currency code. Only what a request carries is
 * held to these; answers read stored rows, which may hold a code retired since, and keep their own lenient schema.
 */

/**
 * The ISO 4217 codes in use, as `Intl.supportedValuesOf('currency')` lists them on Node 20 (ICU 78, CLDR 48): 162
 * codes, no test (XTS) or no-currency (XXX) code. Frozen here rather than read from the runtime, so the OpenAPI
 * document can state them as an enum and every runtime accepts the same codes: Deno 2's ICU lists 159 (no SLE, XCG
 * or ZWG), and an ICU update would otherwise change the contract unannounced.
 */
// prettier-ignore
export const currencyCodes = [
  'AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN',
  'BAM', 'BBD', 'BDT', 'BGN', 'BHD', 'BIF', 'BMD', 'BND', 'BOB', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD',
  'CAD', 'CDF', 'CHF', 'CLP', 'CNY', 'COP', 'CRC', 'CUC', 'CUP', 'CVE', 'CZK',
  'DJF', 'DKK', 'DOP', 'DZD',
  'EGP', 'ERN', 'ETB', 'EUR',
  'FJD', 'FKP',
  'GBP', 'GEL', 'GHS', 'GIP', 'GMD', 'GNF', 'GTQ', 'GYD',
  'HKD', 'HNL', 'HRK', 'HTG', 'HUF',
  'IDR', 'ILS', 'INR', 'IQD', 'IRR', 'ISK',
  'JMD', 'JOD', 'JPY',
  'KES', 'KGS', 'KHR', 'KMF', 'KPW', 'KRW', 'KWD', 'KYD', 'KZT',
  'LAK', 'LBP', 'LKR', 'LRD', 'LSL', 'LYD',
  'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN', 'MYR', 'MZN',
  'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD',
  'OMR',
  'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'PYG',
  'QAR',
  'RON', 'RSD', 'RUB', 'RWF',
  'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SLL', 'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP', 'SZL',
  'THB', 'TJS', 'TMT', 'TND', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS',
  'UAH', 'UGX', 'USD', 'UYU', 'UZS',
  'VES', 'VND', 'VUV',
  'WST',
  'XAF', 'XCD', 'XCG', 'XDR', 'XOF', 'XPF', 'XSU',
  'YER',
  'ZAR', 'ZMW', 'ZWG', 'ZWL',
] as const;

export type CurrencyCode = (typeof currencyCodes)[number];

const inUse: ReadonlySet<string> = new Set(currencyCodes);

/** Whether `code` is one of `currencyCodes`: for a stored currency about to be sent on in a request. */
export function isCurrencyCode(code: string): code is CurrencyCode {
  return inUse.has(code);
}

/**
 * The most a request may say an amount of money is, in minor units (ten million in a currency with cents): one
 * payment's limit, and well inside the 32-bit integer columns that store unit prices.
 */
export const maxMoneyAmount = 1_000_000_000;

/**
 * A currency in a request: one of `currencyCodes`, documented as their enum (the component `CurrencyCode`).
 *
 * @example
 * const price = z.object({ amount: moneyAmount(), currency: currencyCode() });
 */
export function currencyCode() {
  const schema = z.enum(currencyCodes).openapi('CurrencyCode', { description: 'An ISO 4217 currency code in use.', example: 'EUR' });
  acceptedDescriptions.set(schema, 'an ISO 4217 currency code in use, such as EUR, USD or JPY');
  return schema;
}

/** An amount of money in a request: whole minor units from `min` (default 0) to `maxMoneyAmount`. */
export function moneyAmount(options: { min?: number } = {}) {
  return z
    .number()
    .int()
    .min(options.min ?? 0)
    .max(maxMoneyAmount)
    .openapi({ description: `Integer minor units (cents for EUR), at most ${maxMoneyAmount}.`, example: 1999 });
}
