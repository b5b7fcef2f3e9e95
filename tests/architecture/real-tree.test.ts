import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatFinding } from '../../tools/lint-boundaries/format.ts';
import { lintBoundaries, type LintReport } from '../../tools/lint-boundaries/lint-boundaries.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('the repository itself', () => {
  let report: LintReport;
  beforeAll(async () => {
    report = await lintBoundaries(repositoryRoot);
  });

  it('keeps every module boundary', () => {
    // Formatted, so a failure prints the same lines as `npm run lint:boundaries`.
    expect(report.findings.map(formatFinding)).toEqual([]);
    expect(report.fileCount).toBeGreaterThan(0);
  });

  it('is fully resolved by dependency-cruiser: explicit .ts imports through tsconfig.json, packages through exports', () => {
    const unresolved = report.dependencies.filter((d) => d.couldNotResolve).map((d) => `${d.from} → ${d.specifier}`);
    expect(unresolved).toEqual([]);
    const relative = report.dependencies.filter((d) => d.specifier.startsWith('.'));
    expect(relative.length).toBeGreaterThan(0);
    for (const d of relative) expect(d.to, `${d.from} → ${d.specifier}`).toMatch(/^(?!\.\.\/)[\w./-]+\.ts$/);
  });
});
