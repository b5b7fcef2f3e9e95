import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../tools/scaffold/cli.ts';
import type { MigrationGenerator } from '../../tools/scaffold/scaffold.ts';
import { createTempDir } from '../support/temp-dir.ts';

const registry = `import { catalogModule } from '../modules/catalog/index.ts';

/** Every module this application is made of. */
export const modules = [catalogModule];
`;

/** A stand-in for drizzle-kit: writes what it would, so the CLI's own steps can be tested in milliseconds. */
const fakeDrizzleKit: MigrationGenerator = (root, module) => {
  mkdirSync(join(root, 'migrations', module, 'meta'), { recursive: true });
  writeFileSync(join(root, 'migrations', module, `0000_${module}.sql`), `CREATE SCHEMA "${module}";\n`);
  writeFileSync(join(root, 'migrations', module, 'meta', '_journal.json'), '{"entries":[]}\n');
  return '';
};

/** Every file under `root` with its content, so "nothing written" can be compared exactly. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, 'utf8');
    }
    if (readdirSync(dir).length === 0) files[`${relative(root, dir)}/`] = '';
  };
  walk(root);
  return files;
}

describe('npm run new:module, its checks and rollback (a minimal tree, drizzle-kit stubbed)', () => {
  let root: string;
  let out: string[];
  let err: string[];
  const run = (args: string[], generate: MigrationGenerator = fakeDrizzleKit) =>
    runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, { root, generate });

  beforeEach(() => {
    root = createTempDir('new-module');
    mkdirSync(join(root, 'modules', 'catalog'), { recursive: true });
    writeFileSync(join(root, 'modules', 'catalog', 'index.ts'), '');
    mkdirSync(join(root, 'apps'));
    writeFileSync(join(root, 'apps', 'modules.ts'), registry);
    out = [];
    err = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    [['Loyalty'], 'not lower-case kebab-case'],
    [['loyalty_points'], 'not lower-case kebab-case'],
    [['ops'], '"ops" is reserved'],
    [['health'], '"health" is reserved'],
    [['openapi.json'], '"openapi.json" is reserved'],
    [['constructor'], '"constructor" is reserved: constructor is a property of every JavaScript object'],
    [['catalog'], 'modules/catalog/ already exists'],
    [['billing', '--entity', 'Line_Item'], '--entity "Line_Item" is not lower-case kebab-case'],
    [['billing', '--entity', 'dead-letter'], 'table dead_letters'],
    [['billing', '--entity', 'idempotency-key'], 'table idempotency_keys'],
    [['billing', '--owner', ''], '--owner must be one non-empty line'],
    [[], 'name exactly one module'],
    [['billing', 'invoicing'], 'name exactly one module'],
    [['billing', '--colour', 'red'], "Unknown option '--colour'"],
  ])('%j exits 2 with "%s" and writes nothing', (args, message) => {
    const before = snapshot(root);
    expect(run(args)).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(snapshot(root)).toEqual(before);
  });

  it('a leftover migrations folder of the same name exits 2', () => {
    mkdirSync(join(root, 'migrations', 'billing'), { recursive: true });
    const before = snapshot(root);
    expect(run(['billing'])).toBe(2);
    expect(err.join('\n')).toContain('migrations/billing/ already exists');
    expect(snapshot(root)).toEqual(before);
  });

  it('when migration generation fails, exits 1 and leaves the tree as it was', () => {
    const before = snapshot(root);
    const failing: MigrationGenerator = (r, m) => {
      fakeDrizzleKit(r, m);
      throw new Error('drizzle-kit crashed');
    };
    expect(run(['billing'], failing)).toBe(1);
    expect(err.join('\n')).toContain('drizzle-kit crashed');
    expect(err.join('\n')).toContain('nothing was left behind');
    expect(snapshot(root)).toEqual(before);
  });

  it('writes the standard anatomy, registers the module and says what to do next', () => {
    expect(run(['billing', '--entity', 'invoice', '--owner', 'team-finance'])).toBe(0);
    const written = Object.keys(snapshot(root)).filter((f) => f.startsWith('modules/billing/'));
    expect(written.sort()).toEqual([
      'modules/billing/application/billing-deps.ts',
      'modules/billing/application/create-invoice.ts',
      'modules/billing/application/get-invoice.ts',
      'modules/billing/contract/contract.ts',
      'modules/billing/contract/events.ts',
      'modules/billing/contract/invoices.routes.ts',
      'modules/billing/contract/invoices.schemas.ts',
      'modules/billing/domain/errors.ts',
      'modules/billing/domain/invoice.ts',
      'modules/billing/index.ts',
      'modules/billing/infrastructure/invoice-repository.ts',
      'modules/billing/infrastructure/invoices.handlers.ts',
      'modules/billing/infrastructure/schema.ts',
      'modules/billing/module.ts',
      'modules/billing/tests/invoices.test.ts',
    ]);
    expect(readFileSync(join(root, 'apps/modules.ts'), 'utf8')).toContain('export const modules = [catalogModule, billingModule];');
    expect(readFileSync(join(root, 'modules/billing/module.ts'), 'utf8')).toContain("owner: 'team-finance',");
    expect(readFileSync(join(root, 'modules/billing/contract/events.ts'), 'utf8')).toContain("name: 'billing.invoice-created',");
    expect(readFileSync(join(root, 'modules/billing/infrastructure/schema.ts'), 'utf8')).toContain("pgSchema('billing')");
    expect(out.join('\n')).toContain('migrations/billing/0000_billing.sql');
    expect(out.join('\n')).toContain('npx vitest run modules/billing');
    expect(err).toEqual([]);
  });

  it('a regeneration step that fails: the others still run, the files are kept, exit 1 with a line naming each failed step and its command', () => {
    // The derived steps run the tree's own npm scripts: here two that fail and one that succeeds.
    const scripts = {
      openapi: 'node -e "process.exit(3)"',
      graph: 'node -e "console.error(\'graph: boom\'); process.exit(1)"',
      alerts: "node -e \"require('fs').writeFileSync('alerts-ran', '')\"",
    };
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tree', private: true, scripts }));
    expect(run(['billing'])).toBe(1);
    expect(readFileSync(join(root, 'modules/billing/module.ts'), 'utf8')).toContain("name: 'billing'");
    expect(readFileSync(join(root, 'apps/modules.ts'), 'utf8')).toContain('billingModule');
    expect(readdirSync(root)).toContain('alerts-ran');
    expect(err).toContain('graph: boom');
    expect(err.at(-1)).toBe(
      'new:module: created billing, and kept every file written, but 2 of 3 regeneration steps failed: ' +
        'contracts/ (run npm run openapi), docs/module-graph.svg (run npm run graph)',
    );
  });

  it('a second run for the same name exits 2 and changes nothing', () => {
    expect(run(['billing'])).toBe(0);
    const before = snapshot(root);
    expect(run(['billing'])).toBe(2);
    expect(err.join('\n')).toContain('modules/billing/ already exists');
    expect(snapshot(root)).toEqual(before);
  });
});
