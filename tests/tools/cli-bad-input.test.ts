import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresUrl } from '../support/databases.ts';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { toolArgv } from '../support/tool-bundles.ts';

/** Runs a command's script with only `env` set: by default a database nobody listens on (port 1: refused at once). */
const runWithUnreachableDatabase = (
  file: string,
  args: string[] = [],
  env: Record<string, string> = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' },
) =>
  spawnSync(process.execPath, [...toolArgv(file), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: processTestTimeoutMs,
  });

describe('the key commands with a database they cannot reach', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['keys:rotate', 'apps/rotate-signing-key.ts'],
    ['keys:reencrypt', 'apps/reencrypt-data-keys.ts'],
  ])('%s says why in one line and exits 1, with no stack trace', (name, file) => {
    const result = runWithUnreachableDatabase(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${name}: .*ECONNREFUSED 127\\.0\\.0\\.1:1; check DATABASE_URL\\.$`, 'm'));
    expect(result.stderr).not.toContain('provision');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('keys:rotate and the database identity is on', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/nothing' }],
    [
      'IDENTITY_DATABASE_URL',
      { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/nothing', IDENTITY_DATABASE_URL: 'postgres://id:s3cret@127.0.0.1:1/identity' },
    ],
  ])('with %s refuses in one line naming the database, password masked, exit 2, before connecting', (setting, env) => {
    const result = runWithUnreachableDatabase('apps/rotate-signing-key.ts', ['--offline'], env);
    expect(result.status).toBe(2);
    const url = setting === 'DATABASE_URL' ? 'postgres://postgres:[redacted]@127.0.0.1:1/nothing' : 'postgres://id:[redacted]@127.0.0.1:1/identity';
    expect(result.stderr.trim()).toBe(
      `keys:rotate: --offline is for embedded PGlite (DATA_DIR), but identity is on PostgreSQL at ${url} (${setting}): drop --offline to rotate there (safe while replicas serve), or unset ${setting} to rotate the PGlite data.`,
    );
    expect(result.stderr).not.toContain('s3cret');
  });

  it.each([[[]], [['--offline']]])('on in-memory PGlite (DATA_DIR=memory) %j refuses, pointing at the running host only', (args) => {
    const result = runWithUnreachableDatabase('apps/rotate-signing-key.ts', args, { DATA_DIR: 'memory' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      'keys:rotate: identity is on in-memory PGlite (DATA_DIR=memory), which only the running host holds: rotate through it (POST /identity/v1/keys/rotate); a stopped one has no keys left to rotate.',
    );
  });

  it('offline on a migrated DATA_DIR says which database it rotates on, and rotates', () => {
    const dataDir = join(tempDir('keys'), 'data');
    expect(runWithUnreachableDatabase('apps/monolith/migrate.ts', [], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }).status).toBe(0);
    const result = runWithUnreachableDatabase('apps/rotate-signing-key.ts', ['--offline'], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`keys:rotate: rotating identity's signing key on embedded PGlite in ${dataDir}\n`);
    expect(JSON.parse(result.stdout)).toHaveProperty('keys');
  });
});

describe.skipIf(!postgresUrl)('the key commands on a PostgreSQL database Cleave never migrated', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['keys:rotate', 'apps/rotate-signing-key.ts', 'identity'],
    ['keys:reencrypt', 'apps/reencrypt-data-keys.ts', 'identity'],
  ])('%s names the database in one line, exits 1 and creates no schema there', async (name, file, module) => {
    const scratch = await createScratchDatabase(postgresUrl as string);
    try {
      const result = runWithUnreachableDatabase(file, [], { DATABASE_URL: scratch.url, DATA_KEK: `k1:${Buffer.alloc(32, 1).toString('base64')}` });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr.trim()).toBe(
        `${name}: no Cleave data for ${module} in database ${scratch.url} (DATABASE_URL): it has no schema ${module}; run npm run db:migrate there first, or check DATABASE_URL`,
      );
      const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
      try {
        expect(await sql`select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'`).toEqual([
          { nspname: 'public' },
        ]);
      } finally {
        await sql.end();
      }
    } finally {
      await scratch.drop();
    }
  });
});

describe('db:provision with an admin database it cannot reach', { timeout: processTestTimeoutMs }, () => {
  it('says so in one line naming DATABASE_URL, password masked, exit 1', () => {
    const result = runWithUnreachableDatabase('apps/provision-databases.ts', ['--module', 'inventory'], {
      DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/nothing',
      INVENTORY_DATABASE_URL: 'postgres://cleave_inventory:other@127.0.0.1:1/inventory',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'db:provision: Cannot reach PostgreSQL at postgres://postgres:[redacted]@127.0.0.1:1/nothing: connect ECONNREFUSED 127.0.0.1:1; check DATABASE_URL.',
    );
  });
});

describe('alerts with a --runbook-base that is not a web address', { timeout: processTestTimeoutMs }, () => {
  const rules = resolve('deploy/prometheus/cleave-alerts.yml');
  const committed = readFileSync(rules, 'utf8');
  // Had the command written, the tracked file is put back.
  afterEach(() => writeFileSync(rules, committed));

  it.each(['', 'https://docs.example.com/run books', 'docs/elsewhere', 'ftp://docs.example.com/runbooks'])('%j exits 2 and writes nothing', (base) => {
    const result = runWithUnreachableDatabase('tools/alerts/main.ts', ['--runbook-base', base]);
    expect(result.stderr).toContain(`alerts: --runbook-base must be an absolute http(s) URL without spaces, got "${base}"`);
    expect(result.status).toBe(2);
    expect(readFileSync(rules, 'utf8')).toBe(committed);
  });
});

describe('keys:reencrypt and audit verify --offline with their modules on PostgreSQL', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['keys:reencrypt', 'apps/reencrypt-data-keys.ts', ['--offline', '--module', 'notifications']],
    ['audit', 'tools/audit/main.ts', ['verify', '--offline', '--module', 'catalog']],
  ])('%s refuses in one line naming the database, password masked, exit 2, before connecting', (name, file, args) => {
    const result = runWithUnreachableDatabase(file, args, { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/nothing' });
    expect(result.status, result.stderr).toBe(2);
    const module = args[args.length - 1];
    expect(result.stderr.trim()).toBe(
      `${name}: --offline is for embedded PGlite (DATA_DIR), but the module is on PostgreSQL: ${module} at postgres://postgres:[redacted]@127.0.0.1:1/nothing (DATABASE_URL); drop --offline to work there, or unset the URL to use the PGlite data.`,
    );
    expect(result.stderr).not.toContain('s3cret');
  });
});

describe('the key commands offline on a DATA_DIR without Cleave data', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['keys:rotate', 'apps/rotate-signing-key.ts'],
    ['keys:reencrypt', 'apps/reencrypt-data-keys.ts'],
  ])('%s names the directory in one line, exits 1 and creates nothing', (name, file) => {
    const dataDir = join(tempDir('keys'), 'data');
    const result = runWithUnreachableDatabase(file, ['--offline'], { DATA_DIR: dataDir });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`${name}: no Cleave data in ${dataDir} (DATA_DIR): start Cleave there once, or run npm run db:migrate, first.`);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('the host with a database or listen address it cannot use', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['a refused port', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' }, /ECONNREFUSED 127\.0\.0\.1:1; check DATABASE_URL\.$/],
    ['an unknown host', { DATABASE_URL: 'postgres://postgres@no-such-host.invalid/nothing' }, /ENOTFOUND no-such-host\.invalid; check DATABASE_URL\.$/],
    ['without module roles', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing', DATABASE_ROLES: 'false' }, /ECONNREFUSED.*; check DATABASE_URL\.$/],
    ['HOST not an address', { HOST: '999.1.1.1', DATA_DIR: 'memory' }, /^Cannot listen on 999\.1\.1\.1:0: .*; check HOST\.$/],
  ])('%s: one line naming the setting, exit 1', (_, env, message) => {
    const result = runWithUnreachableDatabase('apps/monolith/main.ts', [], { PORT: '0', LOG_LEVEL: 'warn', ...env });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('checks that find stale files', { timeout: processTestTimeoutMs }, () => {
  it('alerts --check with a --runbook-base says to run it with that --runbook-base', () => {
    const result = runWithUnreachableDatabase('tools/alerts/main.ts', ['--check', '--runbook-base', 'https://docs.example.com/runbooks']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'alerts: deploy/prometheus/cleave-alerts.yml is not what the modules give: run npm run alerts -- --runbook-base https://docs.example.com/runbooks',
    );
  });
});

describe('db:migrate with a database it cannot reach', { timeout: processTestTimeoutMs }, () => {
  it('says so in one line prefixed with its name, exit 1', () => {
    const result = runWithUnreachableDatabase('apps/monolith/migrate.ts', [], {
      DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/nothing',
      LOG_LEVEL: 'warn',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^db:migrate: Cannot reach PostgreSQL at postgres:\/\/postgres:\[redacted\]@127\.0\.0\.1:1\/nothing: .*; check DATABASE_URL\.$/,
    );
  });
});

describe('db:migrate refused by the database', { timeout: processTestTimeoutMs }, () => {
  it("prints the database's reason under the statement, without bound values, exit 1", async () => {
    const dataDir = tempDir('migrate-refused');
    // A table of the catalog's name already there, not made by its migrations.
    const { PGlite } = await import('@electric-sql/pglite');
    const client = new PGlite(join(dataDir, 'pglite'));
    await client.exec('create schema catalog; create table catalog.products (x int);');
    await client.close();
    const result = runWithUnreachableDatabase('apps/monolith/migrate.ts', [], { DATA_DIR: dataDir, MODULES: 'catalog', LOG_LEVEL: 'warn' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^db:migrate: Failed query: CREATE TABLE "catalog"\."products"/);
    expect(result.stderr).toMatch(/\n {2}caused by: relation "products" already exists\n$/);
    expect(result.stderr).not.toContain('params:');
  });
});

describe('db:migrate with DATA_DIR=memory', { timeout: processTestTimeoutMs }, () => {
  it('refuses in one line with exit 2: the migrated database would vanish with the command', () => {
    const result = runWithUnreachableDatabase('apps/monolith/migrate.ts', [], { DATA_DIR: 'memory', LOG_LEVEL: 'warn' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      'db:migrate: DATA_DIR=memory keeps nothing: catalog, inventory, identity, payments, ordering, notifications would be migrated in a database that is gone when this command exits; set DATA_DIR to a folder, or DATABASE_URL to a PostgreSQL database (a host on DATA_DIR=memory migrates at start).',
    );
  });

  it('goes on when every hosted module has a PostgreSQL URL (here: one it cannot reach, so exit 1)', () => {
    const result = runWithUnreachableDatabase('apps/monolith/migrate.ts', [], {
      DATA_DIR: 'memory',
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('check DATABASE_URL');
  });

  it('goes on when the modules this configuration hosts each have their own URL', () => {
    const result = runWithUnreachableDatabase('apps/monolith/migrate.ts', [], {
      DATA_DIR: 'memory',
      LOG_LEVEL: 'warn',
      MODULES: 'catalog',
      CATALOG_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/catalog',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('check CATALOG_DATABASE_URL');
  });

  it('migrates a module hosted alone without asking how it would reach the others (REMOTE_MODULES, REDIS_URL are for serving)', () => {
    const result = runWithUnreachableDatabase('apps/monolith/migrate.ts', [], {
      DATA_DIR: 'memory',
      LOG_LEVEL: 'warn',
      MODULES: 'inventory',
      INVENTORY_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/inventory',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('check INVENTORY_DATABASE_URL');
  });

  it('names an unknown module in one line prefixed with its name, exit 1, no stack', () => {
    const result = runWithUnreachableDatabase('apps/monolith/migrate.ts', [], { DATA_DIR: 'memory', LOG_LEVEL: 'warn', MODULES: 'inventori' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^db:migrate: Invalid configuration:\n {2}- MODULES: unknown module "inventori"/);
    expect(result.stderr).not.toContain('    at ');
  });
});

describe('commands that take no arguments', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['db:migrate', 'apps/monolith/migrate.ts'],
    ['openapi', 'tools/contracts/generate.ts'],
  ])('%s refuses one with exit 2 before doing anything', (name, file) => {
    // Unreachable: had the command gone on, it would have failed differently (exit 1) on the database.
    const result = runWithUnreachableDatabase(file, ['--bogus']);
    expect(result.status).toBe(2);
    // Node's advice to pass it after `--` as a positional is dropped: npm swallows that `--`.
    expect(result.stderr.split('\n')[0]).toBe(`${name}: Unknown option '--bogus'.`);
    expect(result.stderr).not.toContain('positional argument');
    expect(result.stderr).toContain(`usage: npm run ${name}`);
  });
});
