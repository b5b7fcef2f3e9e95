import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintBoundaries } from '../../tools/lint-boundaries/lint-boundaries.ts';
import { boundaryRules } from '../../tools/lint-boundaries/rules.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface BreakingCase {
  ruleId: string;
  /** Folder under fixtures/: a small tree that breaks this rule and no other. */
  fixture: string;
  breaks: string;
  /** Each expected finding, in report order: where it is and a word its message must name. */
  expected: { at: string; mentions: string }[];
}

const cases: readonly BreakingCase[] = [
  {
    ruleId: 'module-internals',
    fixture: 'module-internals',
    breaks: 'inventory imports a catalog drizzle table and re-exports a catalog domain type',
    expected: [
      { at: 'modules/inventory/application/reserve-stock.ts:3', mentions: 'modules/catalog/infrastructure/schema.ts' },
      { at: 'modules/inventory/infrastructure/stock-repository.ts:5', mentions: 'modules/catalog/domain/errors.ts' },
    ],
  },
  {
    ruleId: 'platform-imports-module',
    fixture: 'platform-imports-module',
    breaks: 'platform imports a module, even through its index.ts',
    expected: [{ at: 'platform/host/registry.ts:2', mentions: 'modules/catalog/index.ts' }],
  },
  {
    ruleId: 'app-imports-internals',
    fixture: 'app-imports-internals',
    breaks: "the monolith app imports a module's seed file",
    expected: [{ at: 'apps/monolith/main.ts:2', mentions: 'modules/catalog/infrastructure/seed.ts' }],
  },
  {
    ruleId: 'module-cycle',
    fixture: 'module-cycle',
    breaks: 'catalog → ordering → inventory → catalog, each step through index.ts',
    expected: [
      {
        at: 'modules/catalog/application/price.ts:2',
        mentions:
          'catalog → ordering (modules/catalog/application/price.ts:2) → inventory (modules/ordering/contract.ts:1) → catalog (modules/inventory/module.ts:1)',
      },
    ],
  },
  {
    ruleId: 'foreign-schema-sql',
    fixture: 'foreign-schema-sql',
    breaks: "inventory SQL names catalog.products (sql template, quoted string) and redeclares pgSchema('catalog')",
    expected: [
      { at: 'modules/inventory/infrastructure/stock-repository.ts:9', mentions: 'catalog.products' },
      { at: 'modules/inventory/infrastructure/stock-repository.ts:13', mentions: '"catalog"."products"' },
      { at: 'modules/inventory/infrastructure/stock-repository.ts:15', mentions: "pgSchema('catalog')" },
    ],
  },
  {
    ruleId: 'domain-purity',
    fixture: 'domain-purity',
    breaks: 'a domain file imports zod, drizzle-orm, node:fs, ../infrastructure and platform',
    expected: [
      { at: 'modules/catalog/domain/product.ts:1', mentions: "'zod'" },
      { at: 'modules/catalog/domain/product.ts:2', mentions: "'drizzle-orm/pg-core'" },
      { at: 'modules/catalog/domain/product.ts:3', mentions: "'node:fs'" },
      { at: 'modules/catalog/domain/product.ts:4', mentions: "'../infrastructure/schema.ts'" },
      { at: 'modules/catalog/domain/product.ts:5', mentions: 'platform/observability/index.ts' },
    ],
  },
];

describe('boundary rules, each proven on a fixture that breaks it', () => {
  for (const { ruleId, fixture, breaks, expected } of cases) {
    it(`${ruleId} fires, and no other rule, when ${breaks}`, async () => {
      const { findings } = await lintBoundaries(join(fixtures, fixture));

      expect(findings.map((f) => `${f.file}:${f.line}  ${f.ruleId}`)).toEqual(expected.map((e) => `${e.at}  ${ruleId}`));
      findings.forEach((finding, i) => expect(finding.message).toContain(expected[i]?.mentions));
      const rule = boundaryRules.find((r) => r.id === ruleId);
      for (const finding of findings) expect(finding.allowed).toBe(rule?.allowed);
    });
  }

  it('every rule in the table has a breaking fixture, so none of them is a check that cannot fail', () => {
    expect(cases.map((c) => c.ruleId).sort()).toEqual(boundaryRules.map((r) => r.id).sort());
  });

  it('every rule has a unique id, a description and an allowed alternative', () => {
    expect(new Set(boundaryRules.map((r) => r.id)).size).toBe(boundaryRules.length);
    for (const rule of boundaryRules) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(rule.description.length).toBeGreaterThan(20);
      expect(rule.allowed.length).toBeGreaterThan(20);
    }
  });

  it('a clean tree passes: index.ts imports, own-schema SQL, event names, scopes and comments naming other schemas', async () => {
    const { findings, fileCount } = await lintBoundaries(join(fixtures, 'clean'));

    expect(findings).toEqual([]);
    expect(fileCount).toBe(11);
  });
});
