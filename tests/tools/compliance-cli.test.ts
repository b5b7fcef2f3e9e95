import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { modules } from '../../apps/modules.ts';
import { defineContract } from '../../platform/contracts/index.ts';
import { defineEvent, subscribe } from '../../platform/events/index.ts';
import { createRouter } from '../../platform/http/index.ts';
import { defineModule, type ModuleDefinition } from '../../platform/host/index.ts';
import { runCli } from '../../tools/compliance/cli.ts';
import { complianceReport, SchemaMismatchError } from '../../tools/compliance/report.ts';
import { migratedTables } from '../../tools/compliance/schema-tables.ts';
import { runTool } from '../support/run-tool.ts';
import { tempDir } from '../support/temp-dir.ts';

const signedUp = defineEvent({
  name: 'shop.signed-up',
  version: 1,
  schema: z.object({ userId: z.string(), email: z.string(), plan: z.string() }),
  key: (p) => p.userId,
  fields: { userId: { category: 'personal', protection: 'plain' }, email: { category: 'personal', protection: 'encrypted' } },
});
const base = { version: '1.0.0', costCentre: 'cc', description: 'fixture', migrations: '', routes: () => createRouter() };
const shop = defineModule({
  ...base,
  name: 'shop',
  owner: 'team-shop',
  contract: defineContract('shop', { routes: {}, events: [signedUp] }),
  data: {
    accounts: {
      classification: 'personal',
      subject: 'id',
      retention: { indefinite: 'while the account exists' },
      legalBasis: 'Contract',
      columns: { email: { category: 'personal', protection: 'encrypted' } },
    },
    plans: { classification: 'public', retention: '1y' },
  },
});
const mailer = defineModule({
  ...base,
  name: 'mailer',
  owner: 'team-mail',
  contract: defineContract('mailer', { routes: {} }),
  subscriptions: [subscribe(signedUp, 'welcome', async () => {})],
  data: { mails: { classification: 'personal', retention: '30d', legalBasis: 'Contract', subject: 'user_id', copiesOf: ['shop.signed-up'] } },
});
const fixtures: ModuleDefinition[] = [shop, mailer];
/** A schema: each table with its columns. */
const schema = (tables: Record<string, string[]>) => new Map(Object.entries(tables).map(([t, columns]) => [t, new Set(columns)]));
const platform = { outbox: ['envelope'], inbox: [], dead_letters: ['envelope'], __migrations: [] };
const tables = new Map([
  ['shop', schema({ accounts: ['id', 'email'], plans: ['id'], ...platform })],
  ['mailer', schema({ mails: ['id', 'user_id'], ...platform })],
]);
const tablesOf = async () => tables;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('npm run compliance', () => {
  it('reports personal tables with their columns, retention and legal basis, and only the tables the schema holds', () => {
    const report = complianceReport(fixtures, tables);
    const shopReport = report.modules.find((m) => m.module === 'shop');
    expect(shopReport?.holds).toBe('personal');
    expect(shopReport?.tables.map((t) => t.table)).toEqual(['accounts', 'outbox', '__migrations', 'dead_letters', 'inbox', 'plans']);
    expect(shopReport?.tables[0]).toEqual({
      table: 'accounts',
      classification: 'personal',
      declaredBy: 'module',
      retention: { kind: 'indefinite', reason: 'while the account exists' },
      expiry: null,
      legalBasis: 'Contract',
      subject: 'id',
      columns: [{ column: 'email', category: 'personal', protection: 'encrypted' }],
      copiesOf: [],
    });
    // The outbox holds the event with a plain personal field; the consumer's dead letters hold its copies too.
    expect(shopReport?.tables[1]).toMatchObject({ table: 'outbox', classification: 'personal', columns: [{ column: 'envelope', protection: 'plain' }] });
    expect(report.modules[1]?.tables.find((t) => t.table === 'dead_letters')).toMatchObject({ classification: 'personal' });
    expect(report.modules[1]?.tables.find((t) => t.table === 'mails')?.retention).toEqual({ kind: 'period', text: '30d', interval: '30 days', days: 30 });
  });

  it('follows an event with personal fields to the modules consuming it and the tables keeping its copies', () => {
    expect(complianceReport(fixtures, tables).events).toEqual([
      {
        event: 'shop.signed-up',
        version: 1,
        producer: 'shop',
        fields: [
          { field: 'userId', category: 'personal', protection: 'plain' },
          { field: 'email', category: 'personal', protection: 'encrypted' },
        ],
        consumers: [{ module: 'mailer', tables: ['mails'] }],
      },
    ]);
  });

  it('a schema with a table nobody classified, or without a declared column, fails the report, naming them', () => {
    const extra = new Map([...tables, ['mailer', schema({ mails: ['id', 'user_id'], bounces: ['id'] })]]);
    expect(() => complianceReport(fixtures, extra)).toThrow(SchemaMismatchError);
    expect(() => complianceReport(fixtures, extra)).toThrow(/^tables nobody classified: mailer\.bounces \(declare each in its module's `data`\);/);
    // A typo in a column or subject would leave the real column unreported, and erasure looking in the wrong place.
    const typo = new Map([...tables, ['shop', schema({ accounts: ['id', 'e_mail'], plans: [] })]]);
    expect(() => complianceReport(fixtures, typo)).toThrow(/^classified columns their tables do not have: shop\.accounts\.email;/);
  });

  it('writes markdown and JSON, and --check passes until a file goes stale', async () => {
    const dir = tempDir('compliance');
    const paths = ['--markdown', join(dir, 'c.md'), '--json', join(dir, 'c.json')];
    const write = io();
    expect(await runCli(paths, write.io, fixtures, tablesOf)).toBe(0);
    const markdown = readFileSync(join(dir, 'c.md'), 'utf8');
    expect(markdown).toContain('| `accounts` | personal | `id` | `email` personal, encrypted | indefinite: while the account exists | Contract | module |');
    expect(markdown).toContain('| `shop.signed-up` v1 | `userId` personal, plain; `email` personal, encrypted | mailer | `mailer.mails` |');
    expect(JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'))).toEqual(complianceReport(fixtures, tables));
    expect(await runCli([...paths, '--check'], io().io, fixtures, tablesOf)).toBe(0);
    writeFileSync(join(dir, 'c.json'), '{}\n');
    const stale = io();
    expect(await runCli([...paths, '--check'], stale.io, fixtures, tablesOf)).toBe(1);
    expect(stale.err).toEqual([
      `compliance: ${join(dir, 'c.json')} out of date with the modules' declarations; run npm run compliance -- --markdown ${join(dir, 'c.md')} --json ${join(dir, 'c.json')}`,
    ]);
  });

  it('a report path it cannot write exits 1 in one line, and writes neither report', async () => {
    const dir = tempDir('compliance');
    writeFileSync(join(dir, 'afile'), '');
    const run = io();
    const code = await runCli(['--markdown', join(dir, 'c.md'), '--json', join(dir, 'afile', 'c.json')], run.io, fixtures, tablesOf);
    expect(code).toBe(1);
    expect(run.err).toEqual([
      `compliance: cannot write ${join(dir, 'afile', 'c.json')}: ${join(dir, 'afile')} is a file, not a folder; neither report was written`,
    ]);
    expect(readdirSync(dir)).toEqual(['afile']);
  });

  it('an unclassified table exits 1 with a readable message and writes nothing', async () => {
    const dir = tempDir('compliance');
    const run = io();
    const code = await runCli(
      ['--markdown', join(dir, 'c.md'), '--json', join(dir, 'c.json')],
      run.io,
      fixtures,
      async () => new Map([['shop', schema({ secrets: [] })]]),
    );
    expect(code).toBe(1);
    expect(run.err).toEqual([
      "compliance: tables nobody classified: shop.secrets (declare each in its module's `data`); see docs/operations/data-classification.md",
    ]);
    expect(existsSync(join(dir, 'c.md'))).toBe(false);
  });

  it('bad usage from the command line exits 2 with the usage', async () => {
    const unknown = await runTool('tools/compliance/main.ts', ['--markdwon', 'x.md']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("compliance: Unknown option '--markdwon'");
    expect(unknown.stderr).toContain('usage: npm run compliance');
    const run = io();
    expect(await runCli(['--json', 'report.txt'], run.io, fixtures, tablesOf)).toBe(2);
    expect(run.err[0]).toBe('compliance: --json must name a .json file, got "report.txt"');
  });

  it('the committed report is current with the modules', { timeout: 120_000 }, async () => {
    const run = io();
    expect(await runCli(['--check'], run.io, modules, migratedTables), run.err.join('\n')).toBe(0);
  });
});
