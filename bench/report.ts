/** Turns target results into the DESIGN.md §10 ratios, a printable table and the JSON record. */
import type { TargetResult } from './run-target.ts';

export interface Ratio {
  name: string;
  value: number;
  budget: number;
  met: boolean;
}

/** A throughput ratio against its budget (DESIGN.md §10: higher is better, at least `budget`). */
export function ratio(name: string, numerator: TargetResult, denominator: TargetResult, budget: number): Ratio {
  const value = numerator.requestsPerSecond / denominator.requestsPerSecond;
  return { name, value, budget, met: value >= budget };
}

/** The round with the median throughput (the lower middle one for an even count). */
export function medianRound(rounds: readonly TargetResult[]): TargetResult {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle) throw new Error('no rounds to summarise');
  return middle;
}

/** The results and ratios as aligned plain-text tables. */
export function formatTable(targets: readonly TargetResult[], ratios: readonly Ratio[]): string {
  const rows = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'server CPU µs/req', 'checks'],
    ...targets.map((t) => [
      t.name,
      Math.round(t.requestsPerSecond).toLocaleString('en-US'),
      t.latencyP50Ms.toFixed(0),
      t.latencyP99Ms.toFixed(0),
      t.totalRequests.toLocaleString('en-US'),
      t.serverCpuUsPerRequest === undefined ? 'n/a' : t.serverCpuUsPerRequest.toFixed(1),
      t.problems.length === 0 ? 'ok' : 'FAILED',
    ]),
  ];
  const ratioRows = [
    ['ratio (req/s)', 'value', 'budget', 'met'],
    ...ratios.map((r) => [r.name, r.value.toFixed(2), `>= ${r.budget.toFixed(2)}`, r.met ? 'yes' : 'NO']),
  ];
  return `${align(rows)}\n\n${align(ratioRows)}`;
}

function align(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}
