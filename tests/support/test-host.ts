import { Writable } from 'node:stream';
import { pino } from 'pino';
import { modules as allModules } from '../../apps/modules.ts';
import { loadConfig, type Config } from '../../platform/config/index.ts';
import type { DatabaseHandle } from '../../platform/db/index.ts';
import { createHost, type Host, type ModuleDefinition } from '../../platform/host/index.ts';
import type { Logger } from '../../platform/observability/index.ts';
import { generousRateLimits } from './process-host.ts';

export interface TestHostOptions {
  database: DatabaseHandle;
  modules?: readonly ModuleDefinition[];
  env?: Record<string, string>;
  startRelays?: boolean;
  /** Collects log lines instead of discarding them. */
  logLines?: Record<string, unknown>[];
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DEMO_DATA: 'false',
    EVENT_RETRY_BASE_MS: '5',
    EVENT_RETRY_MAX_MS: '20',
    OUTBOX_SWEEP_MS: '50',
    // Password hashing at its least cost: tests sign users up by the dozen.
    PASSWORD_SCRYPT_N: '1024',
    ...generousRateLimits,
    ...env,
  });
}

/** A logger that discards lines, or parses them into `lines` so tests can read what was logged. */
export function testLogger(lines?: Record<string, unknown>[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (lines) for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'debug', base: null }, sink);
}

/** A host over a test database with every module (or the ones given), fast retries and a quick sweep. */
export function startTestHost(options: TestHostOptions): Promise<Host> {
  return createHost({
    config: testConfig(options.env),
    modules: options.modules ?? allModules,
    database: options.database,
    logger: testLogger(options.logLines),
    ...(options.startRelays === undefined ? {} : { startRelays: options.startRelays }),
  });
}

/** Sends a JSON request through the host's app, as a client would. */
export function call(host: Host, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    host.app.request(path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

/** Retries `check` until it stops throwing, or fails with its last error after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
