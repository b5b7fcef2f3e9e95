/**
 * An amount in minor units as a customer reads it, with as many decimals as the currency's ISO 4217 minor unit:
 * `1250 EUR` → `12.50 EUR`, `1500 JPY` → `1500 JPY` (yen have no minor unit), `1500 BHD` → `1.500 BHD`.
 */
export function formatMoney(money: { amount: number; currency: string }): string {
  const digits = minorUnitDigits[money.currency] ?? 2;
  const sign = money.amount < 0 ? '-' : '';
  const abs = Math.abs(money.amount);
  if (digits === 0) return `${sign}${abs} ${money.currency}`;
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')} ${money.currency}`;
}

// ISO 4217's minor units where they are not 2. Not Intl's digits: CLDR shows HUF, IDR and COP without decimals,
// yet their minor unit (what an amount counts) is the hundredth.
const minorUnitDigits: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map((c) => [c, 0]),
  ),
  ...Object.fromEntries(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c) => [c, 3])),
  CLF: 4,
  UYW: 4,
};
