/** An amount in minor units (cents) as a customer reads it: `1250 EUR` → `12.50 EUR`. */
export function formatMoney(money: { amount: number; currency: string }): string {
  const sign = money.amount < 0 ? '-' : '';
  const abs = Math.abs(money.amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${money.currency}`;
}
