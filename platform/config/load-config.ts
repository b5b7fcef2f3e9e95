import { z } from 'zod';
import { environmentSchema } from './schema.ts';

/** The typed settings every part of Cleave receives; nothing else reads the environment. */
export interface Config {
  env: 'development' | 'test' | 'production';
  server: { host: string; port: number };
  log: { level: string; format: 'json' | 'pretty' };
  database: { url: string | undefined; dataDir: string; migrateOnStart: boolean };
  /** Module names to host in this process; `undefined` means all registered modules. */
  modules: string[] | undefined;
  http: { bodyLimitBytes: number };
  demoData: boolean;
  events: { sweepMs: number; claimMs: number; maxAttempts: number; retryBaseMs: number; retryMaxMs: number };
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
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(toProblems(parsed.error));
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    server: { host: e.HOST, port: e.PORT },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT === 'auto' ? (options.isTty ? 'pretty' : 'json') : e.LOG_FORMAT },
    database: { url: e.DATABASE_URL, dataDir: e.DATA_DIR, migrateOnStart: e.MIGRATE_ON_START },
    modules: e.MODULES,
    http: { bodyLimitBytes: e.BODY_LIMIT_BYTES },
    demoData: e.DEMO_DATA ?? e.NODE_ENV === 'development',
    events: {
      sweepMs: e.OUTBOX_SWEEP_MS,
      claimMs: e.OUTBOX_CLAIM_MS,
      maxAttempts: e.EVENT_MAX_ATTEMPTS,
      retryBaseMs: e.EVENT_RETRY_BASE_MS,
      retryMaxMs: e.EVENT_RETRY_MAX_MS,
    },
  };
}

function toProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({
    variable: issue.path.map(String).join('.') || '(environment)',
    message: issue.message,
  }));
}
