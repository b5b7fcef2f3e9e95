import type { Finding } from './classify.ts';
import type { Drift } from './files.ts';

/** The drift section: which files differ from what the code generates, and what to do about it. */
export function formatDrift(drift: readonly Drift[]): string {
  if (drift.length === 0) return '';
  const width = Math.max(...drift.map((d) => d.problem.length));
  return [
    'The contract files differ from what the code generates:',
    ...drift.map((d) => `  ${d.problem.padEnd(width)}  ${d.path}`),
    'Run `npm run openapi` and commit the result.',
    '',
    '',
  ].join('\n');
}

/**
 * One line per finding, breaking first (`BREAKING    catalog  GET /catalog/v1/products/{id}  response field
 * "price.currency" removed`), then a summary line, and for breaking changes how to ship them.
 */
export function formatFindings(findings: readonly Finding[], base: string): string {
  if (findings.length === 0) return `No contract changes against ${base}.\n`;
  const rank = (f: Finding) => (f.severity === 'breaking' ? 0 : 1);
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const sorted = [...findings].sort((x, y) => rank(x) - rank(y) || order(x.module, y.module) || order(x.subject, y.subject));
  const width = Math.max(...findings.map((f) => f.module.length));
  const lines = sorted.map((f) => `${f.severity.toUpperCase().padEnd(10)}  ${f.module.padEnd(width)}  ${f.subject}  ${f.message}`);
  const breaking = findings.filter((f) => f.severity === 'breaking').length;
  const summary = `${breaking} breaking, ${findings.length - breaking} compatible change${findings.length - breaking === 1 ? '' : 's'} against ${base}.`;
  const advice = [
    'A breaking change ships as a new version beside the old one: the route under /<module>/v<N+1>/…, or the event',
    'with version N+1. Keep the old one unchanged, deprecate it with a sunset date, and remove it after that date.',
  ];
  return [...lines, '', summary, ...(breaking > 0 ? advice : []), ''].join('\n');
}
