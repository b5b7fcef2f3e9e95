/**
 * The kinds of value Cleave's settings take, each a zod schema that reads an environment variable's text and says
 * in one line what is wrong with it: flags, durations (`30s`), rate limits (`10/1m`), URLs, origin and module lists.
 * The settings themselves, by name, are in schema.ts.
 */
import { z } from 'zod';
import { isIpRange } from '../http/ip-ranges.ts';

export const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    error: 'must be one of true, false, 1, 0, yes, no, on, off',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** One of `values`; a wrong value is named with every allowed one (`must be one of info, debug; got "loud"`). */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}; got ${JSON.stringify(String(issue.input))}` });

/** Decimal notation: `3000`, `-7`, `0.25`, `.5`, blanks around allowed. */
const decimalText = /^\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;

/**
 * A number written in decimal, checked by `schema` (start it with {@link aNumber}). `z.coerce.number()` reads text as
 * `Number()` does: a blank value as 0 (`PORT=" "` would listen on a random port, `OTEL_TRACES_SAMPLER_ARG=" "` sample
 * nothing), and `0x1F90`, `1e3` or `0b11` as numbers nobody wrote; here those are "must be a number".
 */
export const decimal = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && decimalText.test(value) ? Number(value) : value), schema);

/** The number schema every numeric setting starts from, so each names a value that is not a number alike. */
export const aNumber = () => z.number({ error: 'must be a number' });

export const positiveInt = (fallback: number) => decimal(aNumber().int('must be a whole number').positive('must be greater than 0')).default(fallback);

/** A share of something, from 0 to 1. */
export const rate = (fallback: number) => decimal(aNumber().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1')).default(fallback);

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration: whole milliseconds (`500`), or a number with a unit: `500ms`, `30s`, `15m`, `6h`, `7d`. Zero only
 * where `allowZero` says it means something (e.g. no delay).
 */
function durationMs(v: string, ctx: z.RefinementCtx, allowZero: boolean): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(v.trim());
  const ms = match ? Number(match[1]) * (units[match[2] ?? 'ms'] as number) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || (ms === 0 && !allowZero)) {
    const what = allowZero ? 'a duration' : 'a positive duration';
    ctx.addIssue({ code: 'custom', message: `must be ${what}: milliseconds, or a number with ms, s, m, h or d (e.g. 7d)` });
    return z.NEVER;
  }
  return ms;
}

export const duration = (fallback: string, { allowZero = false } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => durationMs(v, ctx, allowZero));

/** A duration whose absence means something of its own (a default computed from other settings). */
export const optionalDuration = ({ allowZero = false } = {}) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined ? undefined : durationMs(v, ctx, allowZero)));

/**
 * A rate limit: `<requests>/<window>`, the window in whole seconds with an optional unit: `600/60s`, `20/1m`,
 * `10000/1h`.
 */
export const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const match = /^(\d+)\s*\/\s*(\d+)(s|m|h|d)?$/.exec(v.trim());
      const points = Number(match?.[1]);
      const durationS = match ? (Number(match[2]) * (units[match[3] ?? 's'] as number)) / 1000 : Number.NaN;
      if (!Number.isSafeInteger(points) || points <= 0 || !Number.isSafeInteger(durationS) || durationS <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be <requests>/<window>, both greater than 0, the window in s, m, h or d (e.g. 600/60s or 20/1m)' });
        return z.NEVER;
      }
      return { points, durationS };
    });

/**
 * `10.0.0.0/8,192.0.2.7,fd00::/8`: the proxies whose `X-Forwarded-For` names the client. Each an IPv4 or IPv6
 * address, or a CIDR range.
 */
export const addressList = z.string().transform((v, ctx) => {
  const entries: string[] = [];
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!isIpRange(part)) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not an IP address or CIDR range such as 10.0.0.0/8 or fd00::/8` });
      continue;
    }
    entries.push(part);
  }
  return entries;
});

/**
 * What is wrong with a database or Redis URL that has the right scheme, where its driver reads it, or undefined.
 * postgres.js and ioredis parse it with `new URL()` and decode its user and password, so a port out of range or a
 * `%` that starts no percent-encoding (a password pasted as it is) would otherwise stop start-up only when the
 * connection opens, with a bare `Invalid URL` or `URI malformed` naming no setting. postgres.js also takes several
 * hosts (`db1:5432,db2:5432`) and parses the URL with the first, as this does. Never quotes the URL: it holds a password.
 */
export function connectionUrlProblem(url: string): string | undefined {
  const authority = url.slice(url.indexOf('://') + 3).split(/[/?#]/)[0] ?? '';
  const hosts = authority.slice(authority.lastIndexOf('@') + 1);
  let parsed: URL;
  try {
    parsed = new URL(url.replace(hosts, hosts.split(',')[0] ?? ''));
  } catch {
    return 'is not a valid URL: check the host and the port (at most 65535), and percent-encode special characters of the user and password (@ as %40, / as %2F)';
  }
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return 'has a % in its user or password that starts no percent-encoding: write % as %25';
  }
  return undefined;
}

/** A URL whose scheme matches `scheme` and that its driver can read ({@link connectionUrlProblem}). */
const connectionUrl = (scheme: RegExp, message: string) =>
  z.string().superRefine((v, ctx) => {
    const problem = scheme.test(v) ? connectionUrlProblem(v) : message;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const postgresScheme = /^postgres(ql)?:\/\/[^\s]+$/;

export const postgresUrl = connectionUrl(postgresScheme, 'must be a postgres:// or postgresql:// URL').optional();

/**
 * A Redis URL's path is the database number ioredis selects: `/abc` would be `SELECT NaN`, refused by the server on
 * the first connection with an error nothing catches (a stack trace), `/1.5` database 1.
 */
export const redisUrl = connectionUrl(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL')
  .refine((v) => !URL.canParse(v) || /^(\/\d*)?$/.test(new URL(v).pathname), 'its path must be a database number such as /0, or nothing')
  .optional();

/** An origin: scheme, host and port, nothing after (`https://auth.example.com`). */
export const httpOrigin = z
  .string()
  .refine((v) => /^https?:\/\/[^\s/?#]+$/.test(v), 'must be an origin such as https://api.example.com (no path)')
  .refine((v) => URL.canParse(v), 'is not a valid URL (a port above 65535, say)');

/** An http(s) URL that parses (a port above 65535 does not: `new URL` would throw later, at use). */
export const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(v), 'must be an http:// or https:// URL')
  .refine((v) => URL.canParse(v), 'is not a valid URL (a port above 65535, say)');

/** The OTLP exporter's timeout: whole milliseconds (OpenTelemetry's unit for it, no suffix). */
export const otlpTimeout = decimal(aNumber().int('must be a whole number of milliseconds').positive('must be greater than 0 (milliseconds)'));

/**
 * The OTLP exporter's extra headers, as OpenTelemetry writes them: `key=value` pairs separated by commas, values
 * percent-encoded (`authorization=Bearer%20abc,tenant=shop`). The value is never quoted back: it holds a token.
 */
export const otlpHeaders = z
  .string()
  .refine(
    (v) => v.split(',').every((pair) => /^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=/.test(pair)),
    'must be key=value pairs separated by commas, values percent-encoded (e.g. authorization=Bearer%20abc,tenant=shop); the value is not shown here',
  );

/** `inventory=http://10.0.0.7:3001,payments=discover`: where modules hosted elsewhere are reached. */
export const remoteModules = z.string().transform((v, ctx) => {
  const entries: [string, string][] = [];
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, address, ...rest] = part.split('=');
    if (!name || !address || rest.length > 0 || !/^[a-z][a-z0-9-]*$/.test(name.trim())) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not <module>=<http(s) URL or discover>` });
      continue;
    }
    const target = address.trim();
    if (target !== 'discover' && !httpUrl.safeParse(target).success) {
      ctx.addIssue({ code: 'custom', message: `address of ${name.trim()} must be an http:// or https:// URL or "discover"` });
      continue;
    }
    entries.push([name.trim(), target.replace(/\/+$/, '')]);
  }
  return Object.fromEntries(entries);
});

/** `catalog=16,inventory=8`: calls in flight at once to a module in this process, per module. */
export const moduleLimits = z.string().transform((v, ctx) => {
  const entries: [string, number][] = [];
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, limit, ...rest] = part.split('=');
    const value = limit !== undefined && decimalText.test(limit) ? Number(limit) : Number.NaN;
    if (!name || rest.length > 0 || !/^[a-z][a-z0-9-]*$/.test(name.trim()) || !Number.isInteger(value) || value <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not <module>=<whole number greater than 0>` });
      continue;
    }
    entries.push([name.trim(), value]);
  }
  return Object.fromEntries(entries);
});

/**
 * `https://app.example.com,http://localhost:5173`: browser origins allowed to call the API. Each is an exact origin
 * (scheme, host, optional port; no path, no wildcard), so no other origin is ever reflected.
 */
export const originList = z.string().transform((v, ctx) => {
  const origins: string[] = [];
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(part);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.hostname.includes('*') || parsed.origin !== part.replace(/\/$/, '')) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not an origin such as https://app.example.com (scheme, host and port only)` });
      continue;
    }
    origins.push(parsed.origin);
  }
  return origins;
});

export const moduleList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'each module name must be lower-case kebab-case')).min(1, 'must name at least one module'));
