import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { ConfigError, loadConfig } from './load-config.ts';

describe('loadConfig', () => {
  it('with nothing set gives the embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      server: { host: '127.0.0.1', port: 3000 },
      database: { url: undefined, dataDir: '.data', migrateOnStart: true },
      modules: undefined,
      demoData: true,
      log: { level: 'info', format: 'json' },
    });
  });

  it('reads typed values and treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '8080', MODULES: 'catalog, inventory', DEMO_DATA: 'off', DATABASE_URL: '', LOG_FORMAT: 'auto' }, { isTty: true });
    expect(config.server.port).toBe(8080);
    expect(config.modules).toEqual(['catalog', 'inventory']);
    expect(config.demoData).toBe(false);
    expect(config.database.url).toBeUndefined();
    expect(config.log.format).toBe('pretty');
  });

  it('with NODE_ENV=production refuses an empty database or Redis URL, or TLS setting, rather than fall back to PGlite, no Redis or no TLS', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: '',
      REDIS_URL: '',
      ORDERING_DATABASE_URL: '',
      DATA_KEK_FILE: '',
      LOG_LEVEL: '',
      // A template's TLS settings left empty would serve plain HTTP, or accept any client.
      TLS_CERT_FILE: '',
      TLS_KEY_FILE: '',
      TLS_CLIENT_CA_FILE: '',
      REMOTE_REQUIRE_TLS: '',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'ORDERING_DATABASE_URL',
      'REDIS_URL',
      'REMOTE_REQUIRE_TLS',
      'TLS_CERT_FILE',
      'TLS_CLIENT_CA_FILE',
      'TLS_KEY_FILE',
    ]);
    expect((error as ConfigError).message).toContain('DATABASE_URL: is set but empty, which NODE_ENV=production does not take for unset');
    expect((error as ConfigError).message).toContain(
      'TLS_CLIENT_CA_FILE: is set but empty, which NODE_ENV=production does not take for unset (it would run without mutual TLS: any client connects)',
    );
    // Elsewhere empty is unset, as for any setting.
    expect(loadConfig({ ...env, NODE_ENV: 'development' }).database.url).toBeUndefined();
  });

  it('refuses URLs that have the shape but do not parse (a port above 65535), naming each, rather than failing at use', () => {
    let error: unknown;
    try {
      loadConfig({ PUBLIC_URL: 'http://x:99999', IDENTITY_ISSUER: 'https://id.example:70000', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:99999' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).problems].sort((a, b) => a.variable.localeCompare(b.variable))).toEqual(
      ['IDENTITY_ISSUER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'PUBLIC_URL'].map((variable) => ({
        variable,
        message: 'is not a valid URL (a port above 65535, say)',
      })),
    );
  });

  it('lists every problem at once, naming each variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DEMO_DATA: 'maybe', MODULES: 'Catalog' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'DEMO_DATA', 'LOG_LEVEL', 'MODULES.0', 'PORT']);
    expect((error as ConfigError).message).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect((error as ConfigError).message).not.toContain('mysql://x');
  });

  it('a setting with a fixed set of values names them all and the value it got', () => {
    let error: unknown;
    try {
      loadConfig({ LOG_LEVEL: 'loud', NODE_ENV: 'prod', EVENT_BUS: 'kafka', REQUEST_LOG: 'some', LOG_FORMAT: 'xml' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n').slice(1).sort()).toEqual([
      '  - EVENT_BUS: must be one of auto, in-process, bullmq; got "kafka"',
      '  - LOG_FORMAT: must be one of auto, json, pretty; got "xml"',
      '  - LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent; got "loud"',
      '  - NODE_ENV: must be one of development, test, production; got "prod"',
      '  - REQUEST_LOG: must be one of all, sampled; got "some"',
    ]);
  });
});

describe('starting with bad configuration', () => {
  it('stops the process with exit code 1 and a readable list', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/monolith/main.ts'], {
      env: { ...process.env, PORT: '70000', EVENT_MAX_ATTEMPTS: '0', LOG_FORMAT: 'json' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration:');
    expect(result.stderr).toContain('PORT: must be at most 65535');
    expect(result.stderr).toContain('EVENT_MAX_ATTEMPTS: must be greater than 0');
  });

  it('in a command, starts the list with the command name as its other messages do', () => {
    for (const [script, args, command] of [
      ['apps/module-client-secret.ts', ['inventory'], 'keys:module-secret'],
      ['apps/monolith/migrate.ts', [], 'db:migrate'],
    ] as const) {
      const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
        env: { ...process.env, MODULE_CLIENT_KEY: 'short', DATA_DIR: 'memory' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status, command).toBe(1);
      expect(result.stderr, command).toMatch(new RegExp(`^${command}: Invalid configuration:\n  - MODULE_CLIENT_KEY: must be 32 random bytes`));
    }
  });

  it('in production names every missing key-encryption key at once, before any database is created', () => {
    const dataDir = join(tempDir('production-keys'), 'data');
    const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '0', LOG_FORMAT: 'json' };
    for (const name of ['IDENTITY_KEK', 'IDENTITY_KEK_FILE', 'DATA_KEK', 'DATA_KEK_FILE', 'DATABASE_URL', 'REDIS_URL', 'MODULES']) delete env[name];
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/monolith/main.ts'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration:');
    expect(result.stderr).toContain('IDENTITY_KEK: required with NODE_ENV=production');
    expect(result.stderr).toContain('DATA_KEK: required with NODE_ENV=production');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).not.toContain('migrations applied');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a number out of its range is named as such, not as "must be a number"', () => {
    for (const [variable, value, message] of [
      ['PORT', '-1', 'must be at least 0'],
      ['EVENT_PARTITIONS', '0', 'must be at least 1'],
      ['EVENT_MAX_STALLS', '101', 'must be at most 100'],
      ['REMOTE_RETRIES', '11', 'must be at most 10'],
      ['LOCAL_MAX_QUEUED', '-1', 'must be at least 0'],
    ] as const)
      expect(() => loadConfig({ [variable]: value }), variable).toThrow(`${variable}: ${message}`);
  });

  it('reads numbers in decimal only: a blank value is not 0 (a random port), nor is 0x1F90 8080', () => {
    for (const [variable, value] of [
      ['PORT', ' '],
      ['PORT', '0x1F90'],
      ['PORT', '1e3'],
      ['PORT', 'Infinity'],
      ['OTEL_TRACES_SAMPLER_ARG', ' '],
      ['EVENT_MAX_STALLS', '\t'],
      ['DB_POOL_MAX', '0b11'],
    ] as const)
      expect(() => loadConfig({ [variable]: value }), `${variable}=${JSON.stringify(value)}`).toThrow(`${variable}: must be a number`);
    expect(() => loadConfig({ LOCAL_MODULE_LIMITS: 'catalog=0x10' })).toThrow('LOCAL_MODULE_LIMITS: "catalog=0x10" is not <module>=<whole number');
    const config = loadConfig({ PORT: ' 3001 ', OTEL_TRACES_SAMPLER_ARG: '.25', PAYMENTS_PROVIDER_SEED: '-7', LOCAL_MODULE_LIMITS: 'catalog= 4' });
    expect([config.server.port, config.tracing.ratio, config.payments.provider.seed, config.local.byModule]).toEqual([3001, 0.25, -7, { catalog: 4 }]);
  });

  it('checks the OTLP exporter settings the exporter reads itself (it ignores a bad one silently), never quoting a header value', () => {
    let error: unknown;
    try {
      loadConfig({ OTEL_EXPORTER_OTLP_TIMEOUT: 'soon', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '0', OTEL_EXPORTER_OTLP_HEADERS: 'Bearer sekrit-token' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('OTEL_EXPORTER_OTLP_TIMEOUT: must be a number');
    expect(message).toContain('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: must be greater than 0 (milliseconds)');
    expect(message).toContain('OTEL_EXPORTER_OTLP_HEADERS: must be key=value pairs');
    expect(message).not.toContain('sekrit');
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_TIMEOUT: '5000', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc==,x-tenant=shop' })).not.toThrow();
  });

  it('names a database or Redis URL its driver cannot read, without quoting it, instead of failing later with "Invalid URL"', () => {
    const password = 'pa%ss-word-1';
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: `postgres://app:${password}@db:5432/cleave`,
        INVENTORY_DATABASE_URL: 'postgres://inv:long-password@db:99999/inventory',
        REDIS_URL: `redis://default:${password}@redis:6379`,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('DATABASE_URL: has a % in its user or password that starts no percent-encoding: write % as %25');
    expect(message).toContain('INVENTORY_DATABASE_URL: is not a valid URL: check the host and the port (at most 65535)');
    expect(message).toContain('REDIS_URL: has a % in its user or password');
    expect(message).not.toContain(password);
    expect(message).not.toContain('long-password');
    // ioredis would send SELECT NaN, which the server refuses with an error nothing catches.
    for (const url of ['redis://redis:6379/abc', 'redis://redis:6379/1.5'])
      expect(() => loadConfig({ REDIS_URL: url }), url).toThrow('REDIS_URL: its path must be a database number such as /0, or nothing');
    for (const url of ['redis://redis:6379', 'redis://redis:6379/', 'rediss://default:pw@redis:6380/15'])
      expect(loadConfig({ REDIS_URL: url }).redis.url).toBe(url);
    // What the drivers do read: several PostgreSQL hosts, a socket directory, an encoded password, IPv6.
    for (const url of [
      'postgres://app:pw@db1:5432,db2:5433/cleave',
      'postgresql:///cleave?host=/run/postgresql',
      'postgres://app:p%40ss@db/cleave',
      'postgres://[::1]:5432/cleave',
    ])
      expect(loadConfig({ DATABASE_URL: url }).database.url, url).toBe(url);
  });

  it('names an unknown module and the known ones, beside every other problem', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/monolith/main.ts'], {
      env: { ...process.env, MODULES: 'catalog,billing', EVENT_BUS: 'kafka', LOCAL_MODULE_LIMITS: 'invetory=2', DATA_DIR: 'memory', LOG_FORMAT: 'json' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('MODULES: unknown module "billing"; known modules: catalog, inventory');
    expect(result.stderr).toContain('LOCAL_MODULE_LIMITS: unknown module "invetory"');
    expect(result.stderr).toContain('EVENT_BUS: must be');
  });

  it('checks module names with the other settings when it is given them, and leaves them to the host otherwise', () => {
    const env = {
      MODULES: 'catalog,billing',
      REMOTE_MODULES: 'shipping=http://x:1',
      CANARY_MODULES: 'billing=http://y:2',
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'loud',
    };
    let error: unknown;
    try {
      loadConfig(env, { knownModules: ['catalog', 'inventory'] });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      { variable: 'LOG_LEVEL', message: expect.any(String) },
      { variable: 'MODULES', message: 'unknown module "billing"; known modules: catalog, inventory' },
      { variable: 'REMOTE_MODULES', message: 'unknown module "shipping"; known modules: catalog, inventory' },
      { variable: 'CANARY_MODULES', message: 'unknown module "billing"; known modules: catalog, inventory' },
    ]);
    expect(() => loadConfig(env)).toThrow(expect.objectContaining({ problems: [{ variable: 'LOG_LEVEL', message: expect.any(String) }] }));
  });

  it('refuses a topology where a hosted module calls one that is not hosted', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/monolith/main.ts'], {
      env: { ...process.env, MODULES: 'inventory', DATA_DIR: 'memory', LOG_FORMAT: 'json' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('module "inventory" calls "catalog", which is not hosted in this process');
  });
});

describe('HTTP edge settings', () => {
  it('reads the CORS allow-list as exact origins, and refuses anything else', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/', CORS_CREDENTIALS: 'true' });
    expect(config.http).toMatchObject({ corsOrigins: ['https://app.example.com', 'http://localhost:5173'], corsCredentials: true });
    expect(loadConfig({}).http).toMatchObject({ corsOrigins: [], corsCredentials: false });
    for (const bad of ['*', 'https://*.example.com', 'https://app.example.com/path', 'ftp://files.example.com', 'app.example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS: ".*" is not an origin/);
    }
  });

  it('undeclared problems fail under test and are logged elsewhere, unless set', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).http.undeclaredProblems).toBe('fail');
    expect(loadConfig({ NODE_ENV: 'production' }).http.undeclaredProblems).toBe('log');
    expect(loadConfig({ NODE_ENV: 'production', UNDECLARED_PROBLEMS: 'fail' }).http.undeclaredProblems).toBe('fail');
  });

  it('logs every request by default; sampled mode takes a rate from 0 to 1 and a slow threshold', () => {
    expect(loadConfig({}).http.requestLog).toEqual({ mode: 'all', sampleRate: 0.01, slowMs: 500 });
    const sampled = loadConfig({ REQUEST_LOG: 'sampled', REQUEST_LOG_SAMPLE_RATE: '0.1', REQUEST_LOG_SLOW_MS: '200' });
    expect(sampled.http.requestLog).toEqual({ mode: 'sampled', sampleRate: 0.1, slowMs: 200 });
    expect(() => loadConfig({ REQUEST_LOG: 'some' })).toThrow(/REQUEST_LOG/);
    expect(() => loadConfig({ REQUEST_LOG_SAMPLE_RATE: '2' })).toThrow(/REQUEST_LOG_SAMPLE_RATE: must be from 0 to 1/);
  });

  it('keeps idempotency keys 24 hours by default, held for 60 seconds', () => {
    expect(loadConfig({}).idempotency).toEqual({ ttlMs: 86_400_000, lockMs: 60_000 });
    expect(loadConfig({ IDEMPOTENCY_KEY_TTL: '1h', IDEMPOTENCY_LOCK: '5s' }).idempotency).toEqual({ ttlMs: 3_600_000, lockMs: 5000 });
  });

  it('reads the limits of calls to modules in this process, per module, and names a bad entry', () => {
    const config = loadConfig({ LOCAL_MAX_CONCURRENT: '32', LOCAL_MAX_QUEUED: '0', LOCAL_MODULE_LIMITS: 'catalog=4, inventory=2' });
    expect(config.local).toEqual({ maxConcurrent: 32, maxQueued: 0, byModule: { catalog: 4, inventory: 2 } });
    expect(loadConfig({}).local).toEqual({ maxConcurrent: 64, maxQueued: 256, byModule: {} });
    expect(() => loadConfig({ LOCAL_MODULE_LIMITS: 'catalog=0,inventory=many,Orders=2' })).toThrow(
      /LOCAL_MODULE_LIMITS: "catalog=0" is not <module>=<whole number greater than 0>.*"inventory=many".*"Orders=2"/s,
    );
    expect(() => loadConfig({ LOCAL_MAX_CONCURRENT: '0' })).toThrow(/LOCAL_MAX_CONCURRENT: must be greater than 0/);
  });

  it('takes PGLITE_IMAGE for DATA_DIR=memory only, naming a file in a folder that exists', () => {
    const dir = tempDir('pglite-image-setting');
    const file = join(dir, 'fresh.tar');
    expect(loadConfig({ DATA_DIR: 'memory', PGLITE_IMAGE: file }).database.pgliteImage).toBe(file);
    expect(loadConfig({}).database.pgliteImage).toBeUndefined();
    expect(() => loadConfig({ DATA_DIR: '.data', PGLITE_IMAGE: file })).toThrow(
      /PGLITE_IMAGE: is for DATA_DIR=memory only \(a cluster on disk is created once, in DATA_DIR=\.data\); unset it or set DATA_DIR=memory/,
    );
    expect(() => loadConfig({ DATA_DIR: 'memory', PGLITE_IMAGE: dir })).toThrow(`PGLITE_IMAGE: names the folder ${dir}; name a file in it`);
    expect(() => loadConfig({ DATA_DIR: 'memory', PGLITE_IMAGE: join(dir, 'nowhere', 'fresh.tar') })).toThrow(
      `PGLITE_IMAGE: names a file in ${join(dir, 'nowhere')}, which is not a folder here`,
    );
  });

  it('refuses a registry heartbeat that would let the entry expire between beats', () => {
    expect(() => loadConfig({ REGISTRY_HEARTBEAT_MS: '20000', REGISTRY_TTL_MS: '5000' })).toThrow(
      /REGISTRY_HEARTBEAT_MS: must be at most half of REGISTRY_TTL_MS/,
    );
    expect(loadConfig({ REGISTRY_HEARTBEAT_MS: '2500', REGISTRY_TTL_MS: '5000' }).registry).toMatchObject({ heartbeatMs: 2500, ttlMs: 5000 });
  });

  it('explains a bad SHUTDOWN_DRAIN_DELAY as every other duration, and leaves it unset when absent', () => {
    expect(() => loadConfig({ SHUTDOWN_DRAIN_DELAY: '1y' })).toThrow(
      /SHUTDOWN_DRAIN_DELAY: must be a duration: milliseconds, or a number with ms, s, m, h or d/,
    );
    expect(loadConfig({ SHUTDOWN_DRAIN_DELAY: '0' }).rollout.drainDelayMs).toBe(0);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '8000' }).rollout.drainDelayMs).toBe(2000);
  });
});

describe('settings checked together', () => {
  it('are checked even when another setting is invalid, so one error lists every problem', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        ACCESS_TOKEN_TTL: '30m',
        REFRESH_TOKEN_TTL: '10m',
        PAYMENTS_PROVIDER_ERROR_RATE: '0.6',
        PAYMENTS_PROVIDER_TIMEOUT_RATE: '0.6',
        EVENT_HANDLER_TIMEOUT_MS: '90000',
        EVENT_RETRY_BASE_MS: '50000',
        SHUTDOWN_TIMEOUT_MS: '1000',
        SHUTDOWN_DRAIN_DELAY: '5s',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'EVENT_HANDLER_TIMEOUT_MS',
      'EVENT_RETRY_BASE_MS',
      'PAYMENTS_PROVIDER_ERROR_RATE',
      'PORT',
      'REFRESH_TOKEN_TTL',
      'SHUTDOWN_DRAIN_DELAY',
    ]);
  });

  it('skip a combination whose own input is invalid, rather than guess it', () => {
    let error: unknown;
    try {
      loadConfig({ ACCESS_TOKEN_TTL: 'soon', REFRESH_TOKEN_TTL: '1m', PAYMENTS_PROVIDER_TIMEOUT_RATE: '2', PAYMENTS_PROVIDER_ERROR_RATE: '0.9' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['ACCESS_TOKEN_TTL', 'PAYMENTS_PROVIDER_TIMEOUT_RATE']);
  });
});
