import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import type { Config } from './config.ts';
import { dataEncryptionSettings } from './data-encryption-settings.ts';
import { identitySettings, moduleClientSecrets, parseModuleClientKey } from './identity-settings.ts';
import { emptyInProduction, moduleDatabaseUrls } from './database-settings.ts';
import type { environmentSchema } from './schema.ts';
import { parseEachSetting, whenValid } from './partial-environment.ts';
import { isSecretVariable, readSecretFiles } from './secret-files.ts';
import { tlsSettings } from './tls-settings.ts';
import { rolloutSettings } from './rollout-settings.ts';
import { faultSettings } from './fault-settings.ts';
import { paymentsSettings } from './payments-settings.ts';
import { notificationsSettings } from './notifications-settings.ts';

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
  /**
   * The application's modules, by name: the settings naming modules are checked against them with the rest, so one
   * error lists a misspelt module beside every other problem. The host checks them again as it starts.
   */
  knownModules?: readonly string[];
}

/** A problem for each of `names` that is not one of `known` (an unknown module in `variable`). */
export function unknownModuleProblems(variable: string, names: readonly string[], known: readonly string[]): ConfigProblem[] {
  return names.filter((n) => !known.includes(n)).map((n) => ({ variable, message: `unknown module "${n}"; known modules: ${known.join(', ')}` }));
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
    if (e.PGLITE_IMAGE !== undefined) problems.push(...pgliteImageProblems(e.PGLITE_IMAGE, e.DATA_DIR));
  });
  const known = options.knownModules;
  const named: [string, () => string[]][] = [
    ['MODULES', () => e.MODULES ?? []],
    ['REMOTE_MODULES', () => Object.keys(e.REMOTE_MODULES ?? {})],
    ['CANARY_MODULES', () => Object.keys(e.CANARY_MODULES ?? {})],
    ['LOCAL_MODULE_LIMITS', () => Object.keys(e.LOCAL_MODULE_LIMITS ?? {})],
  ];
  if (known) for (const [variable, names] of named) whenValid(() => problems.push(...unknownModuleProblems(variable, names(), known)));
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
    // The backoff starts at the base and is capped at the maximum: a base above it would be cut down unnoticed.
    if (e.EVENT_RETRY_BASE_MS > e.EVENT_RETRY_MAX_MS) problems.push({ variable: 'EVENT_RETRY_BASE_MS', message: 'must not be above EVENT_RETRY_MAX_MS' });
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
    server: { host: e.HOST, port: e.PORT, requestTimeoutMs: e.REQUEST_TIMEOUT_MS },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT === 'auto' ? (options.isTty ? 'pretty' : 'json') : e.LOG_FORMAT, service: e.OTEL_SERVICE_NAME },
    tracing,
    database: {
      url: e.DATABASE_URL,
      moduleUrls,
      dataDir: e.DATA_DIR,
      pgliteImage: e.PGLITE_IMAGE,
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

/** `PGLITE_IMAGE` names a file an in-memory cluster starts from, made there at the first start: its folder must exist. */
function pgliteImageProblems(file: string, dataDir: string): ConfigProblem[] {
  const variable = 'PGLITE_IMAGE';
  if (dataDir !== 'memory') {
    return [{ variable, message: `is for DATA_DIR=memory only (a cluster on disk is created once, in DATA_DIR=${dataDir}); unset it or set DATA_DIR=memory` }];
  }
  const kind = (path: string) => {
    try {
      return statSync(path).isDirectory() ? 'folder' : 'file';
    } catch {
      return undefined;
    }
  };
  if (kind(file) === 'folder') return [{ variable, message: `names the folder ${file}; name a file in it (the image is made there at the first start)` }];
  const folder = dirname(resolve(file));
  if (kind(folder) !== 'folder')
    return [{ variable, message: `names a file in ${folder}, which is not a folder here; the image is made there at the first start` }];
  return [];
}
