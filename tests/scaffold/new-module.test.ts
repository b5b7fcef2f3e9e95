import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir } from '../support/temp-dir.ts';

const repositoryRoot = resolve(import.meta.dirname, '../..');
/** A two-word name, to exercise every spelling; another if a real module of that name exists by then. */
const name = existsSync(join(repositoryRoot, 'modules', 'loyalty-points')) ? 'loyalty-points-e2e' : 'loyalty-points';
/** Not copied: dependencies (linked instead), history, local data and output (bundles included). */
const skipped = new Set(['node_modules', '.git', '.data', 'coverage', 'bench/results', 'dist']);

interface Run {
  status: number | null;
  output: string;
}

/**
 * Runs a command in `cwd` and collects its output. The child gets no TEST_DATABASE_URL or TEST_REDIS_URL (embedded
 * databases only, to stay fast) and none of this run's VITEST_* variables (the nested vitest is a run of its own,
 * which runs no command, so it bundles none: CLEAVE_TEST_TOOL_BUNDLES=off).
 */
function run(cwd: string, command: string, args: string[]): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST_DATABASE_URL$|TEST_REDIS_URL$)/.test(key)));
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: { ...env, CLEAVE_TEST_TOOL_BUNDLES: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('close', (status) => done({ status, output }));
  });
}

/** `node <package bin> ...args`, the package resolved inside the copy (its node_modules is a link to ours). */
const bin = (root: string, script: string, args: string[]) => run(root, process.execPath, [join(root, 'node_modules', script), ...args]);
const tsx = (root: string, script: string, args: string[] = []) => run(root, process.execPath, ['--import', 'tsx', script, ...args]);

/** The files a failed scaffold must leave alone, with their content. */
function tree(root: string): Record<string, string> {
  const files: Record<string, string> = { 'apps/modules.ts': readFileSync(join(root, 'apps/modules.ts'), 'utf8') };
  for (const folder of ['modules', 'migrations']) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files[relative(root, join(entry.parentPath, entry.name))] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    }
  }
  return files;
}

describe('npm run new:module end to end, in a copy of the repository (slow: 50–90 s, one scaffold)', () => {
  let root: string;
  let staticChecks: Record<'typecheck' | 'boundaries' | 'eslint' | 'prettier' | 'k8s' | 'alerts', Promise<Run>> | undefined;

  beforeAll(() => {
    root = createTempDir('new-module-e2e');
    cpSync(repositoryRoot, root, { recursive: true, filter: (source) => !skipped.has(relative(repositoryRoot, source)) });
    symlinkSync(join(repositoryRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  }, 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a bad, reserved or taken name exits 2 and writes nothing', async () => {
    const before = tree(root);
    for (const [name, message] of [
      ['Loyalty_Points', 'not lower-case kebab-case'],
      ['registry', '"registry" is reserved'],
      ['catalog', 'modules/catalog/ already exists'],
    ] as const) {
      const result = await tsx(root, 'tools/scaffold/new-module.ts', [name]);
      expect(result.status, result.output).toBe(2);
      expect(result.output).toContain(message);
    }
    expect(tree(root)).toEqual(before);
  }, 60_000);

  it(`scaffolds ${name}: the module, its first migration from drizzle-kit, its registration, then an aggregate, a projection and a saga`, async () => {
    const result = await tsx(root, 'tools/scaffold/new-module.ts', [name, '--entity', 'reward-tier']);
    expect(result.status, result.output).toBe(0);
    expect(readdirSync(join(root, 'modules', name)).sort()).toEqual(['application', 'contract', 'domain', 'index.ts', 'infrastructure', 'module.ts', 'tests']);
    const migration = readFileSync(join(root, 'migrations', name, `0000_${name}.sql`), 'utf8');
    expect(migration).toContain(`CREATE TABLE "${name}"."reward_tiers"`);
    expect(migration).toContain(`CREATE TABLE "${name}"."outbox"`);
    expect(migration).toContain(`CREATE TABLE "${name}"."idempotency_keys"`);
    expect(readFileSync(join(root, 'apps/modules.ts'), 'utf8')).toContain(`from '../modules/${name}/index.ts';`);
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    if (scripts.openapi) expect(existsSync(join(root, 'contracts', 'openapi', `${name}.json`)), result.output).toBe(true);

    // Then an event-sourced aggregate, a projection of it and a saga in the new module, each with its test.
    for (const args of [
      ['aggregate', name, 'reward-claim'],
      ['projection', name, 'claim-counts', '--from', 'reward-claim'],
      ['saga', name, 'settle-claim'],
    ]) {
      const added = await tsx(root, 'tools/scaffold/new-workflow.ts', args);
      expect(added.status, added.output).toBe(0);
    }
    const definition = readFileSync(join(root, 'modules', name, 'module.ts'), 'utf8');
    expect(definition).toContain('aggregates: [rewardClaimAggregate]');
    expect(definition).toContain('projections: [claimCountsProjection]');
    expect(definition).toContain('sagas: [settleClaimSaga]');

    // Independent of each other, so they run side by side; each check below awaits its own.
    staticChecks = {
      typecheck: bin(root, 'typescript/bin/tsc', ['-p', 'tsconfig.json']),
      boundaries: tsx(root, 'tools/lint-boundaries/main.ts'),
      eslint: bin(root, 'eslint/bin/eslint.js', [`modules/${name}`, 'apps/modules.ts']),
      prettier: bin(root, 'prettier/bin/prettier.cjs', ['--check', `modules/${name}`]),
      // The committed files made from every module's metadata were regenerated with the module in them.
      k8s: tsx(root, 'tools/k8s/main.ts', ['--check']),
      alerts: tsx(root, 'tools/alerts/main.ts', ['--check']),
    };
  }, 120_000);

  it.each(['typecheck', 'boundaries', 'eslint', 'prettier', 'k8s', 'alerts'] as const)(
    'the result passes %s without edits',
    async (check) => {
      if (!staticChecks) throw new Error('the scaffold did not run');
      const result = await staticChecks[check];
      expect(result.status, result.output).toBe(0);
    },
    180_000,
  );

  it("the new module's contract tests and its workflows' tests pass", async () => {
    const result = await bin(root, 'vitest/vitest.mjs', ['run', `modules/${name}`]);
    expect(result.status, result.output.slice(-5000)).toBe(0);
    expect(result.output).toMatch(/Tests\s+.*\d+ passed/);
    for (const file of ['reward-claim.aggregate', 'claim-counts.projection', 'settle-claim.saga']) expect(result.output).toContain(`${file}.test.ts`);
  }, 240_000);

  it('running it again for the same name exits 2 and changes nothing', async () => {
    const before = tree(root);
    const result = await tsx(root, 'tools/scaffold/new-module.ts', [name]);
    expect(result.status, result.output).toBe(2);
    expect(result.output).toContain(`modules/${name}/ already exists`);
    expect(tree(root)).toEqual(before);
  }, 60_000);
});
