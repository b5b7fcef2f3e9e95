import { z } from 'zod';
import {
  aNumber,
  addressList,
  decimal,
  duration,
  flag,
  httpOrigin,
  httpUrl,
  moduleLimits,
  moduleList,
  oneOf,
  optionalDuration,
  originList,
  otlpHeaders,
  otlpTimeout,
  positiveInt,
  postgresUrl,
  rate,
  rateLimit,
  redisUrl,
  remoteModules,
} from './setting-values.ts';

/**
 * Every setting Cleave reads, as environment variables. The variable names are the keys; the defaults are what a
 * newcomer gets with nothing set (embedded PGlite under `.data/`, in-process bus, all modules).
 */
export const environmentSchema = z.object({
  NODE_ENV: oneOf(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  PORT: decimal(aNumber().int('must be a whole number').min(0, 'must be at least 0').max(65535, 'must be at most 65535')).default(3000),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: oneOf(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: postgresUrl,
  DATA_DIR: z.string().min(1, 'must not be empty').default('.data'),
  PGLITE_IMAGE: z.string().min(1, 'must not be empty').optional(),
  MODULES: moduleList.optional(),
  BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
  REQUEST_TIMEOUT_MS: positiveInt(30_000),
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
  EVENT_PARTITIONS: decimal(aNumber().int('must be a whole number').min(1, 'must be at least 1').max(256, 'must be at most 256')).default(8),
  EVENT_PARTITION_LEASE_MS: positiveInt(10_000),
  EVENT_INBOX_BATCH: decimal(aNumber().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000')).default(32),
  EVENT_MAX_STALLS: decimal(aNumber().int('must be a whole number').min(0, 'must be at least 0').max(100, 'must be at most 100')).default(2),
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
  REMOTE_RETRIES: decimal(aNumber().int('must be a whole number').min(0, 'must be at least 0').max(10, 'must be at most 10')).default(2),
  REMOTE_BREAKER_FAILURES: positiveInt(5),
  REMOTE_BREAKER_RESET_MS: positiveInt(5_000),
  REMOTE_MAX_CONCURRENT: positiveInt(50),
  LOCAL_MAX_CONCURRENT: positiveInt(64),
  LOCAL_MAX_QUEUED: decimal(aNumber().int('must be a whole number').min(0, 'must be at least 0')).default(256),
  LOCAL_MODULE_LIMITS: moduleLimits.optional(),
  IDEMPOTENCY_KEY_TTL: duration('24h'),
  IDEMPOTENCY_LOCK: duration('60s'),
  CORS_ORIGINS: originList.optional(),
  CORS_CREDENTIALS: flag.optional(),
  UNDECLARED_PROBLEMS: oneOf(['fail', 'log']).optional(),
  REQUEST_LOG: oneOf(['all', 'sampled']).default('all'),
  REQUEST_LOG_SAMPLE_RATE: decimal(aNumber().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1')).default(0.01),
  REQUEST_LOG_SLOW_MS: positiveInt(500),
  // OpenTelemetry's own variable names (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables).
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'log'], { error: 'must be none, otlp or log' }).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  // Read by the OTLP exporter itself, which drops a value it cannot read without a word: checked here instead.
  OTEL_EXPORTER_OTLP_TIMEOUT: otlpTimeout.optional(),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: otlpTimeout.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: otlpHeaders.optional(),
  OTEL_TRACES_SAMPLER_ARG: decimal(aNumber().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1')).default(1),
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
  REFRESH_TOKEN_MAX_AGE: duration('30d'),
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
  PASSWORD_SCRYPT_N: decimal(
    aNumber()
      .int('must be a whole number')
      .refine((n) => n >= 1024 && n <= 2 ** 20 && (n & (n - 1)) === 0, 'must be a power of two from 1024 to 1048576'),
  ).default(2 ** 17),
  /** Fault injection for crash tests, read by `faultSettings`: `<saga>:<at>:<step>[@<n>]`; refused in production. */
  FAULT_SAGA_CRASH_AT: z.string().optional(),
  // The payment provider simulator (payments-settings.ts).
  PAYMENTS_PROVIDER_LATENCY_MS: decimal(aNumber().int('must be a whole number').min(0, 'must be 0 or more')).default(20),
  PAYMENTS_PROVIDER_DECLINE_RATE: rate(0),
  PAYMENTS_PROVIDER_ERROR_RATE: rate(0),
  PAYMENTS_PROVIDER_TIMEOUT_RATE: rate(0),
  PAYMENTS_PROVIDER_LOST_REPLY_RATE: rate(0),
  PAYMENTS_PROVIDER_TIMEOUT_MS: positiveInt(2_000),
  PAYMENTS_PROVIDER_SEED: decimal(aNumber().int('must be a whole number')).optional(),
  /** How notifications hands messages over (`notifications-settings.ts`): its mailbox alone, or an SMTP server too. */
  NOTIFICATIONS_SENDER: oneOf(['mailbox', 'smtp']).default('mailbox'),
  NOTIFICATIONS_SMTP_URL: z.string().optional(),
  NOTIFICATIONS_FROM: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be a plain address such as shop@example.org')
    .default('no-reply@cleave.invalid'),
});

export type Environment = z.input<typeof environmentSchema>;
