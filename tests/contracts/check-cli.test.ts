import { execFile, execFileSync } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { modules } from '../../apps/modules.ts';
import { contractFiles } from '../../tools/contracts/documents.ts';
import { repositoryRoot, writeContractFiles } from '../../tools/contracts/files.ts';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const generated = contractFiles(modules);

function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'ignore' });
}

/** A scratch git repository whose commits hold the given contract files, one commit per entry. */
function repository(...commits: Map<string, string>[]): string {
  const dir = tempDir('contracts');
  git(dir, 'init', '-q');
  for (const [i, files] of commits.entries()) {
    writeContractFiles(dir, files);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--allow-empty', '-m', `commit ${i}`);
  }
  return dir;
}

/** Runs `check.ts` as `npm run contracts:check` would, on the contract files of `root`. */
function check(root: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = ['--import', 'tsx', 'tools/contracts/check.ts', ...(root ? ['--root', root] : []), ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: repositoryRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

type Schema = { properties: Record<string, unknown>; required?: string[] };

/** `files` with one schema of one file changed by `edit`; `at` finds the schema in the parsed document. */
function edited(files: Map<string, string>, path: string, at: (doc: never) => Schema, edit: (schema: Schema) => void): Map<string, string> {
  const text = files.get(path) ?? '';
  const doc: unknown = path.endsWith('.yaml') ? parseYaml(text) : JSON.parse(text);
  edit(at(doc as never));
  return new Map(files).set(path, path.endsWith('.yaml') ? toYaml(doc) : `${JSON.stringify(doc, null, 2)}\n`);
}

describe('npm run contracts:check', { timeout: processTestTimeoutMs }, () => {
  it('exits 0 on a clean tree with no change against HEAD', async () => {
    const { code, stdout } = await check(repository(generated));
    expect(stdout).toContain('No contract changes against HEAD');
    expect(stdout).toContain(`Contracts are in sync with the code (${generated.size} files)`);
    expect(code).toBe(0);
  });

  it('exits 0 listing compatible changes against --base (a module new since then)', async () => {
    const without = new Map([...generated].filter(([path]) => !path.includes('inventory')));
    const { code, stdout } = await check(repository(without, generated), '--base', 'HEAD~1');
    expect(stdout).toMatch(/^COMPATIBLE {2}inventory {2}PUT \/inventory\/v1\/reservations\/\{reservationId\} {2}new operation$/m);
    expect(stdout).toContain('0 breaking');
    expect(code).toBe(0);
  });

  it('exits 1 naming the files when they drift from the code', async () => {
    const dir = repository(generated);
    writeFileSync(join(dir, 'contracts/openapi/catalog.json'), '{}\n');
    unlinkSync(join(dir, 'contracts/asyncapi/inventory.yaml'));
    writeFileSync(join(dir, 'contracts/openapi/billing.json'), '{}\n');
    const { code, stdout } = await check(dir);
    expect(stdout).toMatch(/out of date {4}contracts\/openapi\/catalog\.json/);
    expect(stdout).toMatch(/missing {8}contracts\/asyncapi\/inventory\.yaml/);
    expect(stdout).toMatch(/not generated {2}contracts\/openapi\/billing\.json/);
    expect(stdout).toContain('Run `npm run openapi`');
    expect(code).toBe(1);
  });

  it('exits 1 with one line per breaking change against the baseline', async () => {
    // The baseline promised a response field, took a request field and promised an event field that the code no longer has.
    type OpenApi = { components: { schemas: Record<string, Schema> } };
    type AsyncApi = { components: { messages: Record<string, { payload: { properties: { payload: Schema } } }> } };
    let base = generated;
    for (const name of ['Money', 'MoneyInput']) {
      base = edited(base, 'contracts/openapi/catalog.json', (doc: OpenApi) => doc.components.schemas[name] as Schema, (money) => {
        money.properties.precision = { type: 'integer' };
        money.required?.push('precision');
      });
    }
    base = edited(
      base,
      'contracts/asyncapi/catalog.yaml',
      (doc: AsyncApi) => doc.components.messages['catalog.product-created.v1']?.payload.properties.payload as Schema,
      (payload) => {
        payload.properties.color = { type: 'string' };
      },
    );
    const dir = repository(base);
    writeContractFiles(dir, generated);
    const { code, stdout } = await check(dir);
    expect(stdout).toContain('BREAKING    catalog  GET /catalog/v1/products/{id}  response field "price.precision" removed');
    expect(stdout).toContain('BREAKING    catalog  event catalog.product-created@v1  event field "payload.color" removed');
    expect(stdout).toContain('POST /catalog/v1/products  request body field "price.precision" removed: sending it is now rejected');
    expect(stdout).toMatch(/^\d+ breaking, 0 compatible changes against HEAD/m);
    expect(stdout).toContain('/<module>/v<N+1>/');
    expect(code).toBe(1);
  });

  it('exits 2 on bad arguments or without a usable baseline', async () => {
    const dir = repository(generated);
    const outside = tempDir('no-git');
    const runs = await Promise.all([
      check(dir, '--base', 'no-such-ref'),
      check(dir, '--base'),
      check(dir, '--bsae', 'HEAD'),
      check(dir, 'extra'),
      check(outside),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]?.stderr).toContain('unknown git ref "no-such-ref"');
    expect(runs[2]?.stderr).toContain("Unknown option '--bsae'");
    expect(runs[4]?.stderr).toContain('is not inside a git repository');
    for (const r of runs) expect(r.stderr).toContain('usage: npm run contracts:check');
  });

  it('exits 2 with one line, no usage text, when a committed baseline file does not parse', async () => {
    const dir = repository(new Map(generated).set('contracts/openapi/catalog.json', '{"openapi": "3.1.0",\n'));
    writeContractFiles(dir, generated);
    const { code, stdout, stderr } = await check(dir);
    expect(stderr).toMatch(/^contracts:check: contracts\/openapi\/catalog\.json at HEAD does not parse, so it cannot be compared with \(.+\); pass another --base\n$/);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  /**
   * `npm run <name>` with a module whose code throws while its documents are generated (fixtures/throwing-module.ts),
   * or with `hooks` of another fixture in place of apps/modules.ts.
   */
  function withThrowingModule(
    file: string,
    env: Record<string, string> = {},
    hooks = './tests/contracts/fixtures/throwing-module-hooks.ts',
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const argv = ['--import', 'tsx', '--import', hooks, file];
    return new Promise((resolve) => {
      execFile(process.execPath, argv, { cwd: repositoryRoot, env: { ...process.env, DEBUG: '', ...env } }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  it.each([
    ['contracts:check', 'tools/contracts/check.ts'],
    ['openapi', 'tools/contracts/generate.ts'],
  ])('%s: a module whose code throws gets one line naming the module, exit 1, no stack trace', async (name, file) => {
    const { code, stdout, stderr } = await withThrowingModule(file);
    expect(stderr).toBe(`${name}: cannot generate the contracts of module inventory: the reservation schema is not defined yet\n`);
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });

  it('with DEBUG=1 the stack follows that line, down to the module code that threw', async () => {
    const { code, stderr } = await withThrowingModule('tools/contracts/check.ts', { DEBUG: '1' });
    expect(stderr.split('\n')[0]).toBe('contracts:check: cannot generate the contracts of module inventory: the reservation schema is not defined yet');
    expect(stderr).toMatch(/^caused by: TypeError: the reservation schema is not defined yet\n\s+at .*throwing-module\.ts:\d+/m);
    expect(code).toBe(1);
  });

  const throwsOnImport = './tests/contracts/fixtures/module-throwing-on-import-hooks.ts';

  it.each([
    ['openapi', 'tools/contracts/generate.ts'],
    ['contracts:check', 'tools/contracts/check.ts'],
    ['extract', 'tools/extract.ts'],
    ['graph', 'tools/graph/generate.ts'],
    ['compliance', 'tools/compliance/main.ts'],
    ['k8s', 'tools/k8s/main.ts'],
    ['alerts', 'tools/alerts/main.ts'],
    ['audit', 'tools/audit/main.ts'],
    ['db:migrate', 'apps/monolith/migrate.ts'],
    ['db:provision', 'apps/provision-databases.ts'],
    ['keys:module-secret', 'apps/module-client-secret.ts'],
    ['keys:reencrypt', 'apps/reencrypt-data-keys.ts'],
  ])('%s: a module that throws while it is imported gets one line naming the file, exit 1, no stack trace', async (name, file) => {
    const { code, stdout, stderr } = await withThrowingModule(file, {}, throwsOnImport);
    expect(stderr).toBe(
      `${name}: cannot load the modules: the reservation schema is not defined yet (at tests/contracts/fixtures/module-throwing-on-import.ts:6)\n`,
    );
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });

  it('a module that throws while it is imported: with DEBUG=1 the stack follows, down to the line that threw', async () => {
    const { code, stderr } = await withThrowingModule('tools/contracts/generate.ts', { DEBUG: '1' }, throwsOnImport);
    expect(stderr.split('\n')[0]).toMatch(/^openapi: cannot load the modules: the reservation schema is not defined yet/);
    expect(stderr).toMatch(/^caused by: TypeError: the reservation schema is not defined yet\n\s+at .*module-throwing-on-import\.ts:6/m);
    expect(code).toBe(1);
  });
});
