/** A retention period: a whole number and a unit (`h`ours, `d`ays, `w`eeks, `mo`nths, `y`ears): `'30d'`, `'7y'`. */
export type RetentionPeriod = `${number}${'h' | 'd' | 'w' | 'mo' | 'y'}`;

/** How long rows are kept: a period counted from when a row was written, or `{ indefinite: 'why' }`. */
export type Retention = RetentionPeriod | { indefinite: string };

/** A retention in a form a job can act on: the PostgreSQL interval (`'7 years'`) and a day count for comparisons. */
export type ParsedRetention = { kind: 'period'; text: RetentionPeriod; interval: string; days: number } | { kind: 'indefinite'; reason: string };

const units = {
  h: { name: 'hour', days: 1 / 24 },
  d: { name: 'day', days: 1 },
  w: { name: 'week', days: 7 },
  mo: { name: 'month', days: 30 },
  y: { name: 'year', days: 365 },
} as const;

const pattern = /^([1-9][0-9]*)(h|d|w|mo|y)$/;

/**
 * Reads a declared retention; throws naming what is wrong, so a typo fails at start-up rather than in a retention job.
 *
 * @example
 * parseRetention('7y'); // { kind: 'period', text: '7y', interval: '7 years', days: 2555 }
 */
export function parseRetention(retention: Retention): ParsedRetention {
  if (typeof retention === 'object') {
    if (typeof retention.indefinite !== 'string' || retention.indefinite.trim() === '') throw new Error('an indefinite retention needs its reason');
    return { kind: 'indefinite', reason: retention.indefinite };
  }
  const match = pattern.exec(String(retention));
  if (!match) throw new Error(`retention "${String(retention)}" is not a period such as 30d, 12w, 18mo or 7y (or { indefinite: 'why' })`);
  const amount = Number(match[1]);
  const unit = units[match[2] as keyof typeof units];
  return { kind: 'period', text: retention, interval: `${amount} ${unit.name}${amount === 1 ? '' : 's'}`, days: amount * unit.days };
}

/** A retention as people read it: `7 years`, or `indefinite (why)`. */
export function describeRetention(retention: Retention): string {
  const parsed = parseRetention(retention);
  return parsed.kind === 'period' ? parsed.interval : `indefinite: ${parsed.reason}`;
}
