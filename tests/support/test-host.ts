import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { modules as allModules } from '../../apps/modules.ts';
import { loadConfig, type Config } from '../../platform/config/index.ts';
import type { DatabaseHandle } from '../../platform/db/index.ts';
import { createHost, type Host, type ModuleDefinition } from '../../platform/host/index.ts';
import { createLogger, runInContext, type Logger } from '../../platform/observability/index.ts';
import { identityModule } from '../../modules/identity/index.ts';
import { adminToken, testAdminSecret, withAdminToken } from './tokens.ts';
import { generousRateLimits } from './process-host.ts';
import { pgliteImageSetting } from './pglite-image.ts';

export interface TestHostOptions {
  database: DatabaseHandle;
  modules?: readonly ModuleDefinition[];
  env?: Record<string, string>;
  startRelays?: boolean;
  /** Collects log lines instead of discarding them. */
  logLines?: Record<string, unknown>[];
  /** Turns tracing on, every span exported here as it ends. */
  spanExporter?: SpanExporter;
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
    // The bootstrap client tests take their tokens from (see tokens.ts).
    IDENTITY_ADMIN_SECRET: testAdminSecret,
    ...generousRateLimits,
    ...pgliteImageSetting(env),
    ...env,
  });
}

/**
 * A logger at debug level that discards lines, or parses them into `lines` so tests can read what was logged; the
 * process logger's redaction and error serializer apply, so tests see what production would print.
 */
export function testLogger(lines?: Record<string, unknown>[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (lines) for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return createLogger({ level: 'debug', format: 'json', destination: sink });
}

/**
 * A host over a test database with every module (or the ones given), fast retries and a quick sweep. The identity
 * module joins the ones given unless another process hosts it: protected routes need its tokens.
 */
export function startTestHost(options: TestHostOptions): Promise<Host> {
  const given = options.modules ?? allModules;
  const identityElsewhere = options.env?.REMOTE_MODULES?.includes('identity=') ?? false;
  const modules = given.some((m) => m.name === identityModule.name) || identityElsewhere ? given : [...given, identityModule];
  return createHost({
    config: testConfig(options.env),
    modules,
    database: options.database,
    logger: testLogger(options.logLines),
    ...(options.startRelays === undefined ? {} : { startRelays: options.startRelays }),
    ...(options.spanExporter ? { spanExporter: options.spanExporter } : {}),
  });
}

/**
 * Sends a JSON request through the host's app, as a client would, with an access token holding every scope unless
 * `headers` carry an `Authorization` of their own (`authorization: ''` sends none).
 */
export async function call(host: Host, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const sent = await withAdminToken(headers, host, (p, init) => host.app.request(p, init));
  return host.app.request(path, {
    method,
    headers: body === undefined ? sent : { 'content-type': 'application/json', ...sent },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
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

/**
 * Runs `fn` as the handling of a request by a user holding every scope: module clients called inside it call for
 * that user (what a module's code serving such a request does).
 */
export async function asAdmin<T>(host: Host, fn: () => Promise<T>): Promise<T> {
  const token = await adminToken(host, (p, init) => host.app.request(p, init));
  const principal = await host.security.verifier?.verify(token);
  if (!principal) throw new Error('this host verifies no tokens');
  return runInContext({ correlationId: randomUUID(), principal, userToken: token }, fn);
}
