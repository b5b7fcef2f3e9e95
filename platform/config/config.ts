import type { DataEncryptionConfig } from './data-encryption-settings.ts';
import type { FaultConfig } from './fault-settings.ts';
import type { IdentityConfig } from './identity-settings.ts';
import type { NotificationsConfig } from './notifications-settings.ts';
import type { PaymentsConfig } from './payments-settings.ts';
import type { RolloutConfig } from './rollout-settings.ts';
import type { TlsConfig } from './tls-settings.ts';

/** The typed settings every part of Cleave receives; nothing else reads the environment. */
export interface Config {
  env: 'development' | 'test' | 'production';
  /**
   * Where to listen, and how long a request may take to arrive in full, line, headers and body (Node; slower is a 408
   * and the connection closes).
   */
  server: { host: string; port: number; requestTimeoutMs: number };
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
    /** DATA_DIR=memory: the file the in-memory cluster starts from, made there at the first start (`PGLITE_IMAGE`). */
    pgliteImage: string | undefined;
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
