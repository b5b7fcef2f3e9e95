import type { LintReport } from './lint-boundaries.ts';
import type { Finding } from './types.ts';

/** `file:line  rule-id  message  → allowed alternative` */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}  ${finding.ruleId}  ${finding.message}  → ${finding.allowed}`;
}

/** The closing line: "boundaries ok (N files)", or the count of findings per rule. */
export function formatSummary(report: LintReport): string {
  if (report.findings.length === 0) return `boundaries ok (${report.fileCount} files)`;
  const perRule = new Map<string, number>();
  for (const finding of report.findings) perRule.set(finding.ruleId, (perRule.get(finding.ruleId) ?? 0) + 1);
  const files = new Set(report.findings.map((finding) => finding.file)).size;
  const counts = [...perRule].map(([rule, count]) => `${rule}: ${count}`).join(', ');
  const plural = report.findings.length === 1 ? 'violation' : 'violations';
  return `${report.findings.length} boundary ${plural} in ${files} of ${report.fileCount} files (${counts})`;
}
