import type { MiddlewareHandler } from 'hono';

/**
 * A route's deprecation, as declared in `contractRoute({ deprecated: ... })`.
 *
 * Dates are ISO 8601: a calendar date (`2027-06-30`, meaning 00:00:00 UTC of that day) or a date-time with offset.
 */
export interface RouteDeprecation {
  /**
   * When the route was (or will be) deprecated. Required because RFC 9745 gives the `Deprecation` field one form
   * only, a Structured Fields Date (`@<unix seconds>`, RFC 9651 §3.3.7); the `Deprecation: true` of its drafts is
   * not in the RFC, so a deprecation without a date cannot be sent conformingly.
   */
  since: string;
  /** When the route may stop answering (RFC 8594 `Sunset`); RFC 9745 §4 says not before `since`, so that is refused. */
  sunset: string;
  /** Where to read about the deprecation and the replacement: sent as `Link: <…>; rel="deprecation"`. */
  link?: string;
}

const isoDate = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function instant(value: string, field: string): Date {
  const date = new Date(value);
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  // Date rolls 2027-02-30 over into March; a day that is not in its month is a typo, not a date.
  const real = new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d && m >= 1 && m <= 12;
  if (!isoDate.test(value) || !real || Number.isNaN(date.getTime()))
    throw new Error(`deprecated.${field} "${value}" is not an ISO 8601 date such as 2027-06-30.`);
  return date;
}

/** The three response headers of a deprecated route, checked once at declaration. */
export function deprecationHeaderValues(deprecation: RouteDeprecation): { deprecation: string; sunset: string; link?: string } {
  const since = instant(deprecation.since, 'since');
  const sunset = instant(deprecation.sunset, 'sunset');
  if (sunset < since) throw new Error(`deprecated.sunset (${deprecation.sunset}) is earlier than deprecated.since (${deprecation.since}).`);
  if (deprecation.link !== undefined && !/^[^\s<>"]+$/.test(deprecation.link)) throw new Error(`deprecated.link "${deprecation.link}" is not a URI.`);
  return {
    // RFC 9745 §2.1: an Item whose value is a Date, serialized as "@" and integer seconds since the epoch.
    deprecation: `@${Math.floor(since.getTime() / 1000)}`,
    // RFC 8594 §3: an HTTP-date (IMF-fixdate), which is what toUTCString produces.
    sunset: sunset.toUTCString(),
    ...(deprecation.link === undefined ? {} : { link: `<${deprecation.link}>; rel="deprecation"` }),
  };
}

/**
 * Route middleware that puts `Deprecation`, `Sunset` and (with a link) `Link` on every response of the route:
 * success and problem responses alike, since they are added after the handler, validation hook or error mapping ran.
 * `contractRoute` installs it for routes declared `deprecated`.
 *
 * @example
 * createRoute({ ..., middleware: [deprecationHeaders({ since: '2026-01-15', sunset: '2027-06-30' })] });
 */
export function deprecationHeaders(deprecation: RouteDeprecation): MiddlewareHandler {
  const values = deprecationHeaderValues(deprecation);
  return async (c, next) => {
    await next();
    c.header('Deprecation', values.deprecation);
    c.header('Sunset', values.sunset);
    // Appended, so a Link the handler set (pagination, say) is kept.
    if (values.link !== undefined) c.header('Link', values.link, { append: true });
  };
}

/** The OpenAPI side of a deprecation: operation fields, and the headers to document on each of its responses. */
export function deprecationDocs(deprecation: RouteDeprecation, description: string | undefined) {
  const note = [
    `**Deprecated** since ${deprecation.since}; sunset ${deprecation.sunset}, after which it may be removed.`,
    ...(deprecation.link === undefined ? [] : [`See ${deprecation.link}.`]),
  ].join(' ');
  const header = (text: string) => ({ schema: { type: 'string' as const }, description: text });
  return {
    operation: { deprecated: true, 'x-sunset': deprecation.sunset, description: description ? `${description}\n\n${note}` : note },
    headers: {
      Deprecation: header('RFC 9745: when this operation was deprecated, as `@<unix seconds>`.'),
      Sunset: header('RFC 8594: when this operation may stop answering, as an HTTP-date.'),
      ...(deprecation.link === undefined ? {} : { Link: header('`rel="deprecation"`: where to read about the deprecation.') }),
    },
  };
}
