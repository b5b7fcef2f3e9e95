import type { z } from 'zod';
import { dataEncryptionSettings, type DataEncryptionConfig } from './data-encryption-settings.ts';
import { identitySettings, moduleClientSecrets, parseModuleClientKey, type IdentityConfig } from './identity-settings.ts';
import { emptyInProduction, moduleDatabaseUrls } from './database-settings.ts';
import type { environmentSchema } from './schema.ts';
import { parseEachSetting, whenValid } from './partial-environment.ts';
import { isSecretVariable, readSecretFiles } from './secret-files.ts';
import { tlsSettings, type TlsConfig } from './tls-settings.ts';
import { rolloutSettings, type RolloutConfig } from './rollout-settings.ts';
import { faultSettings, type FaultConfig } from './fault-settings.ts';
import { paymentsSettings, type PaymentsConfig } from './payments-settings.ts';
import { notificationsSettings, type NotificationsConfig } from './notifications-settings.ts';

/** The typed settings every part of Cleave receives; nothing else reads the environment. */
export interface Config {
  env: 'development' | 'test' | 'production';
  server: { host: string; port: number };
  log: { level: string; format: 'json' | 'pretty'; service: string };
  /**
   * Spans of every hop, exported over OTLP/HTTP (`otlp`) or written as log lines (`log`, development); `none` (the
   * default without an endpoint) makes none.
   */
  tracing: { exporter: 'none' | 'otlp' | 'log'; endpoint: string | undefined; ratio: number; serviceName: string };
  database: {
    url: string | undefined;
    /** `<MODULE>_DATABASE_URL` overrides: a module in its own database. Keys are module names. */
    moduleUrls: Record<string, string>;
    dataDir: string;
    migrateOnStart: boolean;
    /** On PostgreSQL, one role per module granted only its own schema (data sovereignty). */
    roles: boolean;
    /** PostgreSQL `statement_timeout` and `idle_in_transaction_session_timeout` of module pools. */
    statementTimeoutMs: number;
    /** Most connections of one PostgreSQL pool (a module's own, or one URL's shared pool without roles). */
    poolMax: number;
    idleInTransactionTimeoutMs: number;
    /** PGlite ignores server timeouts and is one connection for all modules: transactions end after this. */
    transactionTimeoutMs: number;
  };
  /** Module names to host in this process; `undefined` means all registered modules. */
  modules: string[] | undefined;
  /** Modules hosted elsewhere: their base URL, or `discover` to find them through the registry. */
  remoteModules: Record<string, string>;
  /**
   * The operations page (`/ops`): the identity client it signs operators in with (authorization code + PKCE), and the
   * key that seals its session cookies (`OPS_SESSION_KEY`; without one, a key of this process's own, so sessions end
   * when it restarts and do not pass between replicas).
   */
  ops: { clientId: string; sessionKey: Uint8Array | undefined };
  /** The URL other processes reach this one at; registered in the registry. */
  publicUrl: string | undefined;
  /** `prefix` namespaces queues and registry keys, so several systems can share one Redis. */
  redis: { url: string | undefined; prefix: string };
  registry: { enabled: boolean; heartbeatMs: number; ttlMs: number };
  remote: { timeoutMs: number; retries: number; breakerFailures: number; breakerResetMs: number; maxConcurrent: number };
  /**
   * Calls to modules in this process: how many run at once per provider module (its in-process quota; `byModule`
   * overrides the default) and how many may wait. The timeout is `remote.timeoutMs`, the same as for remote calls.
   */
  local: { maxConcurrent: number; maxQueued: number; byModule: Record<string, number> };
  http: {
    bodyLimitBytes: number;
    /** Browser origins allowed by CORS (exact origins); empty means no cross-origin access. */
    corsOrigins: string[];
    /** Whether those origins may send credentials (cookies, Authorization) and read the answers. */
    corsCredentials: boolean;
    /** What a problem an operation did not declare turns into: a 500 (`fail`) or only an error in the log. */
    undeclaredProblems: 'fail' | 'log';
    /**
     * The access log: one line per request (`all`), or (`sampled`) every 4xx, 5xx and slow answer plus a share of
     * the fast others.
     */
    requestLog: { mode: 'all' | 'sampled'; sampleRate: number; slowMs: number };
  };
  /**
   * Rate limits, each `points` requests per `durationS` seconds: per client IP, per authenticated client, and per
   * IP and account on operations that check a credential (token, sign-in, sign-up). In Redis when `redis.url` is
   * set (shared by every instance), else in memory. `trustedProxies`: addresses and CIDR ranges whose
   * `X-Forwarded-For` names the client.
   */
  rateLimit: {
    enabled: boolean;
    perIp: RateLimitSetting;
    perClient: RateLimitSetting;
    /** Each calling module (its client-credentials token), in place of `perClient`; modules are not counted per IP. */
    perModule: RateLimitSetting;
    credentials: RateLimitSetting;
    trustedProxies: string[];
  };
  /** `Idempotency-Key`: how long keys and their answers are kept, and how long a request holds its key. */
  idempotency: { ttlMs: number; lockMs: number };
  demoData: boolean;
  events: {
    bus: 'in-process' | 'bullmq';
    sweepMs: number;
    leaseMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    handlerTimeoutMs: number;
    partitions: number;
    partitionLeaseMs: number;
    /** Most deliveries of one consumer committed in one transaction under load (1: each alone). */
    inboxBatch: number;
    maxStalls: number;
    unroutedGraceMs: number;
    jobRetentionMs: number;
    subscriptionRefreshMs: number;
  };
  /** How long delivery records are kept; the inbox outlives everything that could deliver an event again. */
  retention: { outboxMs: number; inboxMs: number; deadLetterMs: number; pruneIntervalMs: number };
  /**
   * Prometheus `/metrics` (operator scope): on by default; `collectTimeoutMs` bounds each scrape-time read of a
   * database or Redis, so a stuck one cannot hang the scrape.
   */
  metrics: { enabled: boolean; collectTimeoutMs: number };
  /** How often each module's audit chain is checkpointed, and how many refusals may wait to be written. */
  audit: { checkpointIntervalMs: number; denialQueueSize: number };
  /** After SIGTERM, how long draining may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Canary of a module served here, blue-green selection and drain (docs/operations/rollouts.md). */
  rollout: RolloutConfig;
  identity: IdentityConfig;
  /** Encryption at rest of the fields modules classify as personal or sensitive. */
  dataEncryption: DataEncryptionConfig;
  /** HTTPS and mutual TLS for this host, TLS for calls to other hosts, Redis and PostgreSQL. */
  tls: TlsConfig;
  /** Faults injected on purpose by crash tests (`FAULT_SAGA_CRASH_AT`); none by default, refused in production. */
  faults: FaultConfig;
  /** The payment provider payments uses (the simulator, its latency and fault rates). */
  payments: PaymentsConfig;
  /** How the notifications module hands its messages over. */
  notifications: NotificationsConfig;
}

export interface RateLimitSetting {
  points: number;
  durationS: number;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown when the environment cannot make a working configuration; lists every problem at once. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(['Invalid configuration:', ...problems.map((p) => `  - ${p.variable}: ${p.message}`)].join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** Whether stdout is a terminal; decides `LOG_FORMAT=auto`. */
  isTty?: boolean;
}

/**
 * Reads the settings from an environment map, once, at start-up.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  // Empty strings count as unset, as shells and .env files commonly produce them.
  const set = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const fileProblems: ConfigProblem[] = [];
  const present = readSecretFiles(set, fileProblems);
  const { e, problems: settingProblems } = parseEachSetting(present);
  const problems = [...fileProblems, ...settingProblems];
  const moduleUrls = moduleDatabaseUrls(present, problems);
  // Every cross-setting check runs whose inputs are valid, so one error lists single settings and combinations alike.
  const bus = whenValid(() => (e.EVENT_BUS === 'auto' ? (e.REDIS_URL ? 'bullmq' : 'in-process') : e.EVENT_BUS));
  const registry = whenValid(() => e.REGISTRY ?? e.REDIS_URL !== undefined);
  whenValid(() => {
    if (bus === 'bullmq' && !e.REDIS_URL) problems.push({ variable: 'EVENT_BUS', message: 'bullmq needs REDIS_URL' });
  });
  whenValid(() => {
    if (registry && !e.REDIS_URL) problems.push({ variable: 'REGISTRY', message: 'the registry lives in Redis and needs REDIS_URL' });
  });
  whenValid(() => {
    const discovered = Object.entries(e.REMOTE_MODULES ?? {})
      .filter(([, a]) => a === 'discover')
      .map(([m]) => m);
    if (discovered.length > 0 && registry === false) {
      problems.push({ variable: 'REMOTE_MODULES', message: `${discovered.join(', ')} set to discover, which needs the registry (REDIS_URL)` });
    }
  });
  whenValid(() => {
    for (const m of Object.keys(e.REMOTE_MODULES ?? {}).filter((m) => e.MODULES?.includes(m))) {
      problems.push({ variable: 'REMOTE_MODULES', message: `${m} is also in MODULES; a module runs here or elsewhere, not both` });
    }
  });
  for (const [variable, value, what] of [
    ['OUTBOX_RETENTION', () => e.OUTBOX_RETENTION, 'dispatched outbox rows (a redrive can resend them)'],
    ['DEAD_LETTER_RETENTION', () => e.DEAD_LETTER_RETENTION, 'dead letters (a replay can deliver them)'],
    ['EVENT_JOB_RETENTION', () => e.EVENT_JOB_RETENTION, 'finished BullMQ jobs'],
  ] as const) {
    whenValid(() => {
      if (e.INBOX_RETENTION < value()) {
        problems.push({
          variable: 'INBOX_RETENTION',
          message: `must be at least ${variable}: the inbox must remember events as long as ${what} can come back`,
        });
      }
    });
  }
  whenValid(() => {
    // An entry lives REGISTRY_TTL_MS from each heartbeat: a heartbeat as long leaves the instance out of discovery
    // between its entry's expiry and the next beat (and half as long leaves no room for one late beat).
    if (e.REGISTRY_HEARTBEAT_MS * 2 > e.REGISTRY_TTL_MS) {
      problems.push({
        variable: 'REGISTRY_HEARTBEAT_MS',
        message: 'must be at most half of REGISTRY_TTL_MS, or the instance drops out of the registry between heartbeats',
      });
    }
  });
  whenValid(() => {
    if (e.EVENT_HANDLER_TIMEOUT_MS >= e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS) {
      // Otherwise the server would end a slow handler's transaction before the handler deadline does, with a worse error.
      problems.push({ variable: 'EVENT_HANDLER_TIMEOUT_MS', message: 'must be shorter than DB_IDLE_IN_TRANSACTION_TIMEOUT_MS' });
    }
  });
  const tracing = whenValid(() => tracingSettings(e));
  const rollout = whenValid(() => rolloutSettings(e, problems));
  const faults = whenValid(() => faultSettings(e, problems));
  const payments = whenValid(() => paymentsSettings(e, problems));
  const notifications = whenValid(() => notificationsSettings(e, problems));
  const identity = whenValid(() => identitySettings(e, set, problems));
  const secrets = whenValid(() => moduleClientSecrets(present, e.MODULES, e.REMOTE_MODULES ?? {}, problems));
  const production = whenValid(() => e.NODE_ENV === 'production') ?? false;
  if (production) problems.push(...emptyInProduction(env));
  const dataEncryption = whenValid(() => dataEncryptionSettings(e.DATA_KEK, Boolean(set.DATA_KEK_FILE), production, problems));
  // The URL as given: an invalid one still counts as set for the TLS checks.
  const tls = tlsSettings(e, [...(present.DATABASE_URL ? [present.DATABASE_URL] : []), ...Object.values(moduleUrls)], problems);
  const opsSessionKey = whenValid(() => (e.OPS_SESSION_KEY === undefined ? undefined : parseModuleClientKey(e.OPS_SESSION_KEY, problems, 'OPS_SESSION_KEY')));
  if (problems.length > 0) throw new ConfigError(withoutSecrets(problems, present));
  if (!bus || registry === undefined || !tracing || !rollout || !faults || !payments || !notifications || !identity || !secrets || !dataEncryption) {
    throw new Error('configuration: a part was skipped although every setting is valid');
  }
  identity.moduleClientSecrets = secrets;
  return {
    env: e.NODE_ENV,
    server: { host: e.HOST, port: e.PORT },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT === 'auto' ? (options.isTty ? 'pretty' : 'json') : e.LOG_FORMAT, service: e.OTEL_SERVICE_NAME },
    tracing,
    database: {
      url: e.DATABASE_URL,
      moduleUrls,
      dataDir: e.DATA_DIR,
      migrateOnStart: e.MIGRATE_ON_START,
      roles: e.DATABASE_ROLES ?? true,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      poolMax: e.DB_POOL_MAX,
      idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      transactionTimeoutMs: e.DB_TRANSACTION_TIMEOUT_MS,
    },
    modules: e.MODULES,
    remoteModules: e.REMOTE_MODULES ?? {},
    ops: { clientId: e.OPS_CLIENT_ID, sessionKey: opsSessionKey },
    publicUrl: e.PUBLIC_URL,
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    registry: { enabled: registry, heartbeatMs: e.REGISTRY_HEARTBEAT_MS, ttlMs: e.REGISTRY_TTL_MS },
    remote: {
      timeoutMs: e.REMOTE_TIMEOUT_MS,
      retries: e.REMOTE_RETRIES,
      breakerFailures: e.REMOTE_BREAKER_FAILURES,
      breakerResetMs: e.REMOTE_BREAKER_RESET_MS,
      maxConcurrent: e.REMOTE_MAX_CONCURRENT,
    },
    local: { maxConcurrent: e.LOCAL_MAX_CONCURRENT, maxQueued: e.LOCAL_MAX_QUEUED, byModule: e.LOCAL_MODULE_LIMITS ?? {} },
    http: {
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      corsOrigins: e.CORS_ORIGINS ?? [],
      corsCredentials: e.CORS_CREDENTIALS ?? false,
      undeclaredProblems: e.UNDECLARED_PROBLEMS ?? (e.NODE_ENV === 'test' ? 'fail' : 'log'),
      requestLog: { mode: e.REQUEST_LOG, sampleRate: e.REQUEST_LOG_SAMPLE_RATE, slowMs: e.REQUEST_LOG_SLOW_MS },
    },
    rateLimit: {
      enabled: e.RATE_LIMIT,
      perIp: e.RATE_LIMIT_PER_IP,
      perClient: e.RATE_LIMIT_PER_CLIENT,
      perModule: e.RATE_LIMIT_PER_MODULE,
      credentials: e.RATE_LIMIT_TOKEN,
      trustedProxies: e.TRUSTED_PROXIES ?? [],
    },
    idempotency: { ttlMs: e.IDEMPOTENCY_KEY_TTL, lockMs: e.IDEMPOTENCY_LOCK },
    demoData: e.DEMO_DATA ?? e.NODE_ENV === 'development',
    events: {
      bus,
      sweepMs: e.OUTBOX_SWEEP_MS,
      leaseMs: e.OUTBOX_LEASE_MS,
      maxAttempts: e.EVENT_MAX_ATTEMPTS,
      retryBaseMs: e.EVENT_RETRY_BASE_MS,
      retryMaxMs: e.EVENT_RETRY_MAX_MS,
      handlerTimeoutMs: e.EVENT_HANDLER_TIMEOUT_MS,
      partitions: e.EVENT_PARTITIONS,
      partitionLeaseMs: e.EVENT_PARTITION_LEASE_MS,
      inboxBatch: e.EVENT_INBOX_BATCH,
      maxStalls: e.EVENT_MAX_STALLS,
      unroutedGraceMs: e.EVENT_UNROUTED_GRACE,
      jobRetentionMs: e.EVENT_JOB_RETENTION,
      subscriptionRefreshMs: e.EVENT_SUBSCRIPTION_REFRESH_MS,
    },
    retention: { outboxMs: e.OUTBOX_RETENTION, inboxMs: e.INBOX_RETENTION, deadLetterMs: e.DEAD_LETTER_RETENTION, pruneIntervalMs: e.PRUNE_INTERVAL },
    metrics: { enabled: e.METRICS_ENABLED, collectTimeoutMs: e.METRICS_COLLECT_TIMEOUT },
    audit: { checkpointIntervalMs: e.AUDIT_CHECKPOINT_INTERVAL, denialQueueSize: e.AUDIT_DENIAL_QUEUE },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    rollout,
    identity,
    dataEncryption,
    tls,
    faults,
    payments,
    notifications,
  };
}

/** `OTEL_TRACES_EXPORTER` (`otlp` when only an endpoint is set); the traces URL from the endpoint settings. */
function tracingSettings(e: z.output<typeof environmentSchema>): Config['tracing'] {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  // The specification's rule: the per-signal variable is the whole URL, the general one a base to append to.
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  const exporter = e.OTEL_TRACES_EXPORTER ?? (endpoint ? 'otlp' : 'none');
  return { exporter, endpoint, ratio: e.OTEL_TRACES_SAMPLER_ARG, serviceName: e.OTEL_SERVICE_NAME };
}

/**
 * The problems with any secret setting's value masked: messages name variables, and this makes sure no message
 * (a schema's, a parser's) ever quotes a secret, as they reach stderr and start-up logs.
 */
function withoutSecrets(problems: ConfigProblem[], env: Record<string, string>): ConfigProblem[] {
  const secrets = Object.entries(env)
    .filter(([name, value]) => isSecretVariable(name) && value.length >= 4)
    .map(([, value]) => value);
  return problems.map((p) => ({ ...p, message: secrets.reduce((m, s) => m.replaceAll(s, '[redacted]'), p.message) }));
}
