import { z } from 'zod';
import { isIpRange } from '../http/ip-ranges.ts';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    error: 'must be one of true, false, 1, 0, yes, no, on, off',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** One of `values`; a wrong value is named with every allowed one (`must be one of info, debug; got "loud"`). */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}; got ${JSON.stringify(String(issue.input))}` });

const positiveInt = (fallback: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be greater than 0').default(fallback);

/** A share of something, from 0 to 1. */
const rate = (fallback: number) => z.coerce.number({ error: 'must be a number' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').default(fallback);

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

const duration = (fallback: string, { allowZero = false } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => durationMs(v, ctx, allowZero));

/** A duration whose absence means something of its own (a default computed from other settings). */
const optionalDuration = ({ allowZero = false } = {}) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined ? undefined : durationMs(v, ctx, allowZero)));

/**
 * A rate limit: `<requests>/<window>`, the window in whole seconds with an optional unit: `600/60s`, `20/1m`,
 * `10000/1h`.
 */
const rateLimit = (fallback: string) =>
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
const addressList = z.string().transform((v, ctx) => {
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

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v), 'must be a postgres:// or postgresql:// URL')
  .optional();

const redisUrl = z
  .string()
  .refine((v) => /^rediss?:\/\/[^\s]+$/.test(v), 'must be a redis:// or rediss:// URL')
  .optional();

/** An origin: scheme, host and port, nothing after (`https://auth.example.com`). */
const httpOrigin = z.string().refine((v) => /^https?:\/\/[^\s/?#]+$/.test(v), 'must be an origin such as https://api.example.com (no path)');

const httpUrl = z.string().refine((v) => /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(v), 'must be an http:// or https:// URL');

/** `inventory=http://10.0.0.7:3001,payments=discover`: where modules hosted elsewhere are reached. */
const remoteModules = z.string().transform((v, ctx) => {
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
const moduleLimits = z.string().transform((v, ctx) => {
  const entries: [string, number][] = [];
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, limit, ...rest] = part.split('=');
    const value = Number(limit?.trim());
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
const originList = z.string().transform((v, ctx) => {
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

const moduleList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'each module name must be lower-case kebab-case')).min(1, 'must name at least one module'));

/**
 * Every setting Cleave reads, as environment variables. The variable names are the keys; the defaults are what a
 * newcomer gets with nothing set (embedded PGlite under `.data/`, in-process bus, all modules).
 */
export const environmentSchema = z.object({
  NODE_ENV: oneOf(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  PORT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(65535, 'must be at most 65535')
    .default(3000),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: oneOf(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: postgresUrl,
  DATA_DIR: z.string().min(1, 'must not be empty').default('.data'),
  MODULES: moduleList.optional(),
  BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
  DEMO_DATA: flag.optional(),
  MIGRATE_ON_START: flag.default(true),
  OUTBOX_SWEEP_MS: positiveInt(1000),
  OUTBOX_LEASE_MS: positiveInt(5_000),
  OUTBOX_RETENTION: duration('7d'),
  INBOX_RETENTION: duration('14d'),
  DEAD_LETTER_RETENTION: duration('14d'),
  PRUNE_INTERVAL: duration('1h'),
  AUDIT_CHECKPOINT_INTERVAL: duration('10m'),
  AUDIT_DENIAL_QUEUE: positiveInt(10_000),
  EVENT_MAX_ATTEMPTS: positiveInt(5),
  EVENT_RETRY_BASE_MS: positiveInt(200),
  EVENT_RETRY_MAX_MS: positiveInt(30_000),
  EVENT_HANDLER_TIMEOUT_MS: positiveInt(10_000),
  EVENT_PARTITIONS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(256, 'must be at most 256')
    .default(8),
  EVENT_PARTITION_LEASE_MS: positiveInt(10_000),
  EVENT_INBOX_BATCH: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(32),
  EVENT_MAX_STALLS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(100, 'must be at most 100')
    .default(2),
  EVENT_UNROUTED_GRACE: duration('10m'),
  EVENT_JOB_RETENTION: duration('1d'),
  EVENT_SUBSCRIPTION_REFRESH_MS: positiveInt(1_000),
  DB_STATEMENT_TIMEOUT_MS: positiveInt(30_000),
  DB_POOL_MAX: positiveInt(10).pipe(z.number().max(1000, 'must be at most 1000')),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt(60_000),
  DB_TRANSACTION_TIMEOUT_MS: positiveInt(30_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(15_000),
  EVENT_BUS: oneOf(['auto', 'in-process', 'bullmq']).default('auto'),
  REDIS_URL: redisUrl,
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, dash and underscore only')
    .default('cleave'),
  REMOTE_MODULES: remoteModules.optional(),
  /** Modules hosted here whose extracted deployment may take a share of their traffic (`rollout-settings.ts`). */
  CANARY_MODULES: remoteModules.optional(),
  CANARY_HEADER: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'a lower-case header name')
    .default('x-cleave-canary'),
  CANARY_STICKY_KEY: z
    .string()
    .regex(/^(subject|(header|cookie):[A-Za-z0-9_-]{1,64})$/, 'subject, header:<name> or cookie:<name>')
    .default('subject'),
  ROLLOUT_REFRESH_MS: positiveInt(5_000),
  DEPLOYMENT_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes')
    .optional(),
  DEPLOYMENT_COLOUR: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes (e.g. blue, green)')
    .optional(),
  /** Default: a quarter of SHUTDOWN_TIMEOUT_MS, at most 3 s. */
  SHUTDOWN_DRAIN_DELAY: optionalDuration({ allowZero: true }),
  /** TLS: paths of PEM files, read by `tlsSettings` (see docs/operations/tls.md). */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  TLS_CLIENT_CA_FILE: z.string().optional(),
  TLS_REQUIRE_CLIENT_CERT: flag.optional(),
  REMOTE_CA_FILE: z.string().optional(),
  REMOTE_CLIENT_CERT_FILE: z.string().optional(),
  REMOTE_CLIENT_KEY_FILE: z.string().optional(),
  REMOTE_REQUIRE_TLS: flag.optional(),
  REDIS_CA_FILE: z.string().optional(),
  DATABASE_CA_FILE: z.string().optional(),
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_ROLES: flag.optional(),
  REGISTRY: flag.optional(),
  REGISTRY_HEARTBEAT_MS: positiveInt(5_000),
  REGISTRY_TTL_MS: positiveInt(15_000),
  REMOTE_TIMEOUT_MS: positiveInt(2_000),
  REMOTE_RETRIES: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(10, 'must be at most 10')
    .default(2),
  REMOTE_BREAKER_FAILURES: positiveInt(5),
  REMOTE_BREAKER_RESET_MS: positiveInt(5_000),
  REMOTE_MAX_CONCURRENT: positiveInt(50),
  LOCAL_MAX_CONCURRENT: positiveInt(64),
  LOCAL_MAX_QUEUED: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be at least 0').default(256),
  LOCAL_MODULE_LIMITS: moduleLimits.optional(),
  IDEMPOTENCY_KEY_TTL: duration('24h'),
  IDEMPOTENCY_LOCK: duration('60s'),
  CORS_ORIGINS: originList.optional(),
  CORS_CREDENTIALS: flag.optional(),
  UNDECLARED_PROBLEMS: oneOf(['fail', 'log']).optional(),
  REQUEST_LOG: oneOf(['all', 'sampled']).default('all'),
  REQUEST_LOG_SAMPLE_RATE: z.coerce.number({ error: 'must be a number' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').default(0.01),
  REQUEST_LOG_SLOW_MS: positiveInt(500),
  // OpenTelemetry's own variable names (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables).
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'log'], { error: 'must be none, otlp or log' }).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number({ error: 'must be a number' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').default(1),
  OTEL_SERVICE_NAME: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').default('cleave'),
  METRICS_ENABLED: flag.default(true),
  METRICS_COLLECT_TIMEOUT: duration('2s'),
  RATE_LIMIT: flag.default(true),
  RATE_LIMIT_PER_IP: rateLimit('600/60s'),
  RATE_LIMIT_PER_CLIENT: rateLimit('1200/60s'),
  RATE_LIMIT_PER_MODULE: rateLimit('60000/60s'),
  RATE_LIMIT_TOKEN: rateLimit('20/60s'),
  TRUSTED_PROXIES: addressList.optional(),
  IDENTITY_ISSUER: httpOrigin.optional(),
  IDENTITY_AUDIENCE: z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 visible ASCII characters')
    .default('cleave'),
  ACCESS_TOKEN_TTL: duration('5m'),
  REFRESH_TOKEN_TTL: duration('14d'),
  /** Read by `readSecretFiles` from `IDENTITY_KEK_FILE` when that is set instead. */
  IDENTITY_KEK: z.string().optional(),
  IDENTITY_PASSWORD_GRANT: flag.optional(),
  /** Read by `readSecretFiles` from `DATA_KEK_FILE` when that is set instead. */
  DATA_KEK: z.string().optional(),
  /** Read by `readSecretFiles` from `IDENTITY_ADMIN_SECRET_FILE` when that is set instead. */
  IDENTITY_ADMIN_SECRET: z.string().min(24, 'must be at least 24 characters (openssl rand -base64 32)').optional(),
  /** Read by `readSecretFiles` from `MODULE_CLIENT_KEY_FILE` when that is set instead. */
  MODULE_CLIENT_KEY: z.string().optional(),
  /** Read by `readSecretFiles` from `OPS_SESSION_KEY_FILE` when that is set instead. */
  OPS_SESSION_KEY: z.string().optional(),
  OPS_CLIENT_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,100}$/, 'must be 1 to 100 visible ASCII characters')
    .default('cleave-web'),
  IDENTITY_KEY_ACTIVATION_DELAY: duration('60s', { allowZero: true }),
  IDENTITY_KEY_CACHE: duration('5s', { allowZero: true }),
  PASSWORD_SCRYPT_N: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .refine((n) => n >= 1024 && n <= 2 ** 20 && (n & (n - 1)) === 0, 'must be a power of two from 1024 to 1048576')
    .default(2 ** 17),
  /** Fault injection for crash tests, read by `faultSettings`: `<saga>:<at>:<step>[@<n>]`; refused in production. */
  FAULT_SAGA_CRASH_AT: z.string().optional(),
  // The payment provider simulator (payments-settings.ts).
  PAYMENTS_PROVIDER_LATENCY_MS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').default(20),
  PAYMENTS_PROVIDER_DECLINE_RATE: rate(0),
  PAYMENTS_PROVIDER_ERROR_RATE: rate(0),
  PAYMENTS_PROVIDER_TIMEOUT_RATE: rate(0),
  PAYMENTS_PROVIDER_LOST_REPLY_RATE: rate(0),
  PAYMENTS_PROVIDER_TIMEOUT_MS: positiveInt(2_000),
  PAYMENTS_PROVIDER_SEED: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').optional(),
  /** How notifications hands messages over (`notifications-settings.ts`): its mailbox alone, or an SMTP server too. */
  NOTIFICATIONS_SENDER: oneOf(['mailbox', 'smtp']).default('mailbox'),
  NOTIFICATIONS_SMTP_URL: z.string().optional(),
  NOTIFICATIONS_FROM: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be a plain address such as shop@example.org')
    .default('no-reply@cleave.invalid'),
});

export type Environment = z.input<typeof environmentSchema>;
