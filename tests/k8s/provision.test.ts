import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { provisionModuleLogins } from '../../platform/host/index.ts';
import { createLogger } from '../../platform/observability/index.ts';
import { postgresUrl } from '../support/databases.ts';
import { runTool } from '../support/run-tool.ts';
import { testLogger } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const log = createLogger({ level: 'silent', format: 'json', service: 'test' });
// A module name of its own: roles are cluster-wide, and other suites use the real modules' roles on this server.
const suffix = randomBytes(4).toString('hex');
const module = `k8sprobe-${suffix}`;
const role = `cleave_k8sprobe_${suffix}`;
const database = `cleave_k8s_${suffix}`;
const loginUrl = (password: string, user = role) => {
  const url = new URL(postgresUrl ?? 'postgres://localhost/');
  url.username = user;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
};

describe.skipIf(!postgresUrl)('admin provisioning of module login roles (PostgreSQL)', () => {
  const admin = postgres(postgresUrl ?? '', { max: 1, onnotice: () => {} });
  afterAll(async () => {
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.unsafe(`drop role if exists ${role}`);
    await admin.end();
  });

  it('creates the database, a login role with the URL password, and the schema it owns; the role cannot create roles', async () => {
    const result = await provisionModuleLogins({ adminUrl: postgresUrl ?? '', logins: [{ module, url: loginUrl("it's-secret") }], log });
    expect(result).toEqual({ databases: [database], roles: [role] });
    const [row] = await admin`select rolcanlogin, rolcreaterole, rolpassword is not null as has_password from pg_authid where rolname = ${role}`;
    expect(row).toEqual({ rolcanlogin: true, rolcreaterole: false, has_password: true });
    const own = postgres(loginUrl("it's-secret"), { max: 1, onnotice: () => {} });
    try {
      const [who] = await own`select current_user as user, (select nspowner::regrole::text from pg_namespace where nspname = ${module}) as owner`;
      expect(who).toEqual({ user: role, owner: role });
      await own.unsafe(`create table "${module}".t (id int)`);
      await expect(own.unsafe(`create role cleave_k8s_intruder_${suffix}`)).rejects.toThrow(/permission denied/);
    } finally {
      await own.end();
    }
  });

  it('runs again without creating anything, setting the new password', async () => {
    const [before] = await admin`select rolpassword from pg_authid where rolname = ${role}`;
    const result = await provisionModuleLogins({ adminUrl: postgresUrl ?? '', logins: [{ module, url: loginUrl('rotated') }], log });
    expect(result).toEqual({ databases: [], roles: [] });
    const [after] = await admin`select rolpassword from pg_authid where rolname = ${role}`;
    expect(after?.rolpassword).not.toBe(before?.rolpassword);
  });

  it('says so when a module URL names another server than the admin URL: it provisions on the admin one', async () => {
    const lines: Record<string, unknown>[] = [];
    const elsewhere = new URL(loginUrl('rotated'));
    elsewhere.hostname = elsewhere.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    await provisionModuleLogins({ adminUrl: postgresUrl ?? '', logins: [{ module, url: elsewhere.toString() }], log: testLogger(lines) });
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toEqual([expect.objectContaining({ module, moduleServer: `${elsewhere.hostname}:${elsewhere.port || '5432'}` })]);
    expect(String(warnings[0]?.msg)).toContain("URL names another server than DATABASE_URL; its database and role are made on DATABASE_URL's");
    // The same server by the same name: nothing to say.
    lines.length = 0;
    await provisionModuleLogins({ adminUrl: postgresUrl ?? '', logins: [{ module, url: loginUrl('rotated') }], log: testLogger(lines) });
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it('refuses a URL that does not log in as the module role, without printing its password', async () => {
    const attempt = provisionModuleLogins({ adminUrl: postgresUrl ?? '', logins: [{ module, url: loginUrl('hunter2-secret', 'postgres') }], log });
    await expect(attempt).rejects.toThrow(`must connect as ${role}, the module's role, not as "postgres"`);
    await expect(attempt).rejects.not.toThrow(/hunter2-secret/);
  });
});

describe('npm run db:provision', { timeout: processTestTimeoutMs }, () => {
  it('without an admin URL exits 2 saying what to set', async () => {
    const result = await runTool(resolve('apps/provision-databases.ts'), [], {}, ['DATABASE_URL', 'DATABASE_URL_FILE']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('db:provision: set DATABASE_URL (or DATABASE_URL_FILE) to a user that may create databases and roles');
  });

  it('without a module URL exits 2 naming the variables', async () => {
    const result = await runTool(resolve('apps/provision-databases.ts'), ['--module', 'inventory'], { DATABASE_URL: 'postgres://admin@127.0.0.1:1/postgres' }, [
      'INVENTORY_DATABASE_URL',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('set INVENTORY_DATABASE_URL (or their _FILE)');
  });

  it('an unknown module exits 2', async () => {
    const result = await runTool(resolve('apps/provision-databases.ts'), ['--module', 'billing']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown module "billing"; modules: catalog, inventory, identity');
  });
});
