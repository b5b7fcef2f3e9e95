/**
 * Every module's checked-in migrations are what drizzle-kit generates from its schema today, including the modules
 * outside modules/ (the test probe, the bench module) that `npm run db:generate` does not visit. The event tables
 * all modules share change from time to time; a module left behind would fail at run time, not here.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const schemas = [
  ...readdirSync(join(root, 'modules'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'modules', d.name, 'infrastructure/schema.ts')))
    .map((d) => ({ name: d.name, schema: `modules/${d.name}/infrastructure/schema.ts`, migrations: `migrations/${d.name}` })),
  { name: 'probe', schema: 'tests/support/probe/schema.ts', migrations: 'tests/support/probe/migrations' },
  { name: 'bench', schema: 'bench/module/schema.ts', migrations: 'bench/module/migrations' },
  { name: 'ledger', schema: 'tests/support/ledger/schema.ts', migrations: 'tests/support/ledger/migrations' },
  { name: 'tally', schema: 'tests/workflows/tally/schema.ts', migrations: 'tests/workflows/tally/migrations' },
];

/** Runs drizzle-kit generate into a copy of the migrations; returns the files it added and what it printed. */
function generate(schema: string, migrations: string, name: string): { added: string[]; output: string } {
  const copy = tempDir('migrations-current');
  cpSync(join(root, migrations), copy, { recursive: true });
  const before = new Set(readdirSync(copy));
  // drizzle-kit takes the output folder relative to the working directory.
  const args = ['generate', '--dialect', 'postgresql', '--schema', schema, '--out', relative(root, copy), '--name', name];
  const result = spawnSync(join(root, 'node_modules/.bin/drizzle-kit'), args, { cwd: root, encoding: 'utf8', timeout: processTestTimeoutMs });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`drizzle-kit failed:\n${output}`);
  return { added: readdirSync(copy).filter((f) => !before.has(f)), output };
}

describe('migrations are current', { timeout: processTestTimeoutMs }, () => {
  it.each(schemas)('$name: drizzle-kit has nothing to generate from $schema', ({ name, schema, migrations }) => {
    const { added, output } = generate(schema, migrations, name);
    expect(added, output).toEqual([]);
  });

  it('the check sees a schema its migrations lack (the bench schema against an empty folder)', () => {
    const empty = tempDir('migrations-empty');
    const { added } = generate('bench/module/schema.ts', relative(root, empty), 'bench');
    expect(added.some((f) => f.endsWith('.sql'))).toBe(true);
  });
});
