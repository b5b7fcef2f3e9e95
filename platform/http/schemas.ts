import { z } from '@hono/zod-openapi';

/**
 * Contract building blocks whose validation means exactly what their OpenAPI schema says, both ways. Plain zod
 * differs from JSON Schema in places: `z.uuid()` refuses UUIDs that `format: uuid` allows, string lengths count
 * UTF-16 units where JSON Schema counts characters, and `z.coerce.number()` reads `1e2`, `0x10` or `" 5"`.
 */

/**
 * A UUID as `format: uuid` (RFC 9562) means it: five groups of hex digits, any version or variant, the nil and
 * max UUIDs included, upper or lower case (RFC 9562 §4: case-insensitive on input, output in lower case).
 */
export function uuid() {
  return z.guid('must be a UUID such as 0192f1c2-7b4e-7c1a-9d3e-2a6f0b8c4d51');
}

const earliestInstant = Date.parse('0001-01-01T00:00:00Z');
const latestInstant = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A point in time as an RFC 3339 date-time with its offset, from year 1 to 9999 in UTC: RFC 3339 allows year 0000 and,
 * through an offset, instants just outside those years, which neither PostgreSQL nor a JavaScript date's ISO form
 * can carry (a query with one failed in the database instead of answering 400).
 */
export function instant() {
  return z.iso.datetime({ offset: true }).refine(
    (value) => {
      const at = Date.parse(value);
      return at >= earliestInstant && at <= latestInstant;
    },
    { message: 'must be a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z' },
  );
}

/**
 * A module's name where a route takes one (`?module=catalog`): lower-case kebab-case, as `MODULES` names them, so an
 * empty or mistyped value is refused as such instead of answered "Module  is not hosted here".
 */
export function moduleName() {
  return z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a module name (lower-case kebab-case, at most 63 characters), such as catalog');
}

export interface TextOptions {
  /** Least number of characters (Unicode code points, as JSON Schema counts). Default 0. */
  min?: number;
  max: number;
  /**
   * Refuse leading and trailing whitespace rather than trim it: the value is stored exactly as sent, so one that
   * would need trimming is refused. Default true.
   */
  trimmed?: boolean;
}

/**
 * What a schema accepts, in words, where zod cannot tell it back (`text()`: the length is a refinement) or would
 * say too much (`currencyCode()`: an enum of 162 codes).
 */
export const acceptedDescriptions = new WeakMap<object, string>();

// Portable to every JSON Schema regex dialect: no lookbehind.
const noSurroundingSpace = /^(?:\S(?:[\s\S]*\S)?)?$/;

/**
 * Free text: a length in characters (code points) and, unless `trimmed: false`, no surrounding whitespace.
 *
 * @example
 * const name = text({ min: 1, max: 200 });
 */
export function text(options: TextOptions) {
  const min = options.min ?? 0;
  const { max } = options;
  const length = min === 0 ? `at most ${max} characters long` : min === max ? `${min} characters long` : `${min} to ${max} characters long`;
  let schema = z.string();
  if (options.trimmed ?? true) schema = schema.regex(noSurroundingSpace, 'must not start or end with whitespace');
  const result = schema
    .refine((value) => {
      const count = [...value].length;
      return count >= min && count <= max;
    }, `must be ${length}`)
    .openapi({ ...(min > 0 ? { minLength: min } : {}), maxLength: max });
  acceptedDescriptions.set(result, `text ${length}${(options.trimmed ?? true) ? ', without leading or trailing whitespace' : ''}`);
  return result;
}

export interface QueryIntegerOptions {
  min: number;
  max: number;
  default?: number;
}

/**
 * A whole number in a query string, written as decimal digits only: `20`, not `2e1`, `0x14`, `" 20"` or `20.0`,
 * which `type: integer` does not describe as its query serialisation.
 */
export function queryInteger(options: QueryIntegerOptions & { default: number }): z.ZodDefault<z.ZodType<number, number>>;
export function queryInteger(options: QueryIntegerOptions): z.ZodType<number, number>;
export function queryInteger(options: QueryIntegerOptions): z.ZodType<number | undefined, number | undefined> {
  const { min, max } = options;
  const message = `must be a whole number from ${min} to ${max}, in digits only`;
  const digits = min < 0 ? /^(?:0|-?[1-9][0-9]{0,15})$/ : /^(?:0|[1-9][0-9]{0,15})$/;
  const parsed = z.string().regex(digits, message).transform(Number).pipe(z.number().int(message).min(min, message).max(max, message));
  // Typed as the number a module client passes (it writes it into the query string); parsed from that string.
  const value = parsed as unknown as z.ZodType<number, number>;
  const documented = { type: 'integer' as const, minimum: min, maximum: max };
  // Documented as what it means, for zod-openapi (`openapi`) and for zod's own JSON Schema (`meta`) alike.
  if (options.default === undefined) return value.openapi(documented).meta(documented);
  const withDefault = { ...documented, default: options.default };
  return value.default(options.default).openapi(withDefault).meta(withDefault);
}
