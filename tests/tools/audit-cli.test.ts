import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityModule } from '../../modules/identity/index.ts';
import { openDatabase, resultRows, type DatabaseHandle } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { serve, type RunningServer } from '../../platform/host/serve.ts';
import { toCommand } from '../../tools/audit/args.ts';
import { checkpoint } from '../audit/support.ts';
import { postgresUrl } from '../support/databases.ts';
import { runTool } from '../support/run-tool.ts';
import { tempDir } from '../support/temp-dir.ts';
import { startTestHost } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { adminToken } from '../support/tokens.ts';

const tool = resolve('tools/audit/main.ts');

const audit = (args: string[], env: Record<string, string>) => runTool(tool, args, { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env }, ['DATABASE_URL']);

describe('npm run audit: arguments', () => {
  it('refuses what it cannot do, saying why', () => {
    const known = ['catalog', 'identity'];
    expect(() => toCommand([], {}, known)).toThrow('name one action: verify');
    expect(() => toCommand(['verify', 'catalog'], {}, known)).toThrow('verify takes no arguments after it ("catalog"): name a module with --module');
    expect(() => toCommand(['verify'], { module: 'billing' }, known)).toThrow('unknown module billing');
    expect(() => toCommand(['verify'], { url: 'ftp://x' }, known)).toThrow('--url must be');
    expect(() => toCommand(['verify'], { url: 'http://h:1', offline: true }, known)).toThrow('drop --jwks and --offline');
    expect(toCommand(['verify'], { module: 'identity', url: 'http://h:1/' }, known)).toEqual({
      action: 'verify',
      module: 'identity',
      url: 'http://h:1',
      offline: false,
    });
  });
});

describe('npm run audit -- verify', { timeout: processTestTimeoutMs }, () => {
  const dataDir = tempDir('audit');
  let host: Host;
  let server: RunningServer;
  let database: DatabaseHandle;

  beforeAll(async () => {
    database = await openDatabase({ dataDir });
    host = await startTestHost({ database, modules: [identityModule] });
    await host.modules[0]?.audit.recordAll([1, 2, 3].map((i) => ({ action: 'test.step', target: String(i), outcome: 'success' as const })));
    await checkpoint(host, 'identity');
    server = await serve(host, { host: '127.0.0.1', port: 0 });
  }, processTestTimeoutMs);

  it('through a running host: exit 0 and the counts', async () => {
    const token = await adminToken(host, (p, init) => host.app.request(p, init));
    const { status, stdout } = await audit(['verify', '--url', server.url], { CLEAVE_TOKEN: token });
    expect(stdout).toMatch(/^identity: intact, \d+ entries, 1 checkpoints, signed up to entry \d+$/m);
    expect(status).toBe(0);
    expect((await audit(['verify', '--url', server.url], { CLEAVE_TOKEN: '' })).status).toBe(3);
  });

  it('from the embedded database of a stopped host: refused without --offline; exit 1 naming the first tampered entry', async () => {
    await server.close();
    await host.stop();
    await database.close();
    const env = { DATA_DIR: dataDir };
    expect((await audit(['verify'], env)).status).toBe(2);
    // Catalog and inventory never ran on this database: no trail to verify, which is not "intact".
    const some = await audit(['verify', '--offline'], env);
    expect(some.stdout, some.stderr).toMatch(/^identity: intact/m);
    expect(some.stdout).toMatch(/^catalog: no audit trail/m);
    expect(some.status).toBe(3);
    const intact = await audit(['verify', '--offline', '--module', 'identity'], env);
    expect(intact.status).toBe(0);

    const reopened = await openDatabase({ dataDir });
    await reopened.db.execute(sql`alter table identity.audit_log disable trigger user`);
    await reopened.db.execute(sql`update identity.audit_log set target = 'forged' where action = 'test.step' and target = '2'`);
    const seq = Number(resultRows<{ seq: string }>(await reopened.db.execute(sql`select seq from identity.audit_log where target = 'forged'`))[0]?.seq);
    await reopened.close();
    const tampered = await audit(['verify', '--offline', '--module', 'identity'], env);
    expect(tampered.stdout).toContain(`identity: tampered at entry ${seq}`);
    expect(tampered.status).toBe(1);
  });
});

describe('npm run audit -- verify where there is no Cleave data', { timeout: processTestTimeoutMs }, () => {
  it('an empty DATA_DIR: says so naming the directory, exit 3, and creates nothing', async () => {
    const dataDir = join(tempDir('audit-none'), 'data');
    const result = await audit(['verify', '--offline'], { DATA_DIR: dataDir });
    expect(result.stderr).toBe(`audit: no Cleave data in ${dataDir} (DATA_DIR): nothing to read\n`);
    expect(result.status).toBe(3);
    expect(existsSync(dataDir)).toBe(false);
  });

  it.skipIf(postgresUrl === undefined)('a DATABASE_URL naming a database that does not exist: says so naming it, exit 3', async () => {
    const url = new URL(postgresUrl ?? '');
    url.pathname = '/cleave_audit_no_such_database';
    const result = await audit(['verify'], { DATABASE_URL: url.toString() });
    expect(result.stderr).toMatch(
      /^audit: no Cleave data in database .*cleave_audit_no_such_database \(DATABASE_URL\): database "cleave_audit_no_such_database" does not exist\n$/,
    );
    expect(result.status).toBe(3);
  });
});
