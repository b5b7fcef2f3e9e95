/**
 * How long a `Retry-After` header asks the client to wait, in milliseconds (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date). Undefined when the header is absent or unreadable; a date in the past means no wait.
 *
 * @example
 * retryAfterMs(response.headers.get('retry-after')); // '2' → 2000
 */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // All three HTTP-date forms open with a weekday; Date.parse alone would also read '-5' or '1.5' as dates.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i.test(trimmed)) return undefined;
  // The obsolete asctime form carries no zone but is UTC.
  const at = Date.parse(/GMT$/i.test(trimmed) ? trimmed : `${trimmed} GMT`);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
