/** Turns the rounds of the HTTP bench into per-target medians, the ratios and budgets of bench/README.md and printable tables. */
import type { RoundResult } from './run-target.ts';
import { median } from './support/settings.ts';

export interface TargetSummary {
  name: string;
  rounds: number;
  /** Medians over the rounds. */
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  serverCpuUsPerRequest: number | undefined;
  /** Log lines the server wrote per request it answered (full stacks count them), over the whole run. */
  logLinesPerRequest: number | undefined;
  problems: string[];
}

export interface Ratio {
  name: string;
  /** One value per round (both targets measured in that round, minutes apart at most). */
  perRound: number[];
  /** The median of the per-round values. */
  value: number;
  budget: string;
  met: boolean | undefined;
}

export interface RatioSpec {
  name: string;
  numerator: string;
  denominator: string;
  metric: 'requestsPerSecond' | 'serverCpuUsPerRequest';
  /** `>= x` or `< x`; none for a ratio reported for reference. */
  budget?: { op: '>=' | '<'; value: number };
}

export function summariseTarget(name: string, rounds: readonly RoundResult[], logged: number | undefined, answered: number, problems: string[]): TargetSummary {
  const cpu = rounds.flatMap((r) => (r.serverCpuUsPerRequest === undefined ? [] : [r.serverCpuUsPerRequest]));
  return {
    name,
    rounds: rounds.length,
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    latencyP50Ms: median(rounds.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(rounds.map((r) => r.latencyP99Ms)),
    serverCpuUsPerRequest: cpu.length > 0 ? median(cpu) : undefined,
    logLinesPerRequest: logged === undefined || answered === 0 ? undefined : logged / answered,
    problems: [...problems, ...rounds.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`))],
  };
}

/** The ratio of two targets' metric in each round where both were measured, and its median. */
export function ratio(spec: RatioSpec, rounds: readonly RoundResult[]): Ratio | undefined {
  const perRound: number[] = [];
  for (const n of rounds.filter((r) => r.name === spec.numerator)) {
    const d = rounds.find((r) => r.name === spec.denominator && r.round === n.round);
    const a = n[spec.metric];
    const b = d?.[spec.metric];
    if (a !== undefined && b !== undefined && b > 0) perRound.push(a / b);
  }
  if (perRound.length === 0) return undefined;
  const value = median(perRound);
  const budget = spec.budget;
  return {
    name: spec.name,
    perRound,
    value,
    budget: budget ? `${budget.op} ${budget.value.toFixed(2)}` : 'reference',
    met: budget ? (budget.op === '>=' ? value >= budget.value : value < budget.value) : undefined,
  };
}

/** The results and ratios as aligned plain-text tables. */
export function formatTables(targets: readonly TargetSummary[], ratios: readonly Ratio[]): string {
  const rows = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'log lines/req', 'checks'],
    ...targets.map((t) => [
      t.name,
      Math.round(t.requestsPerSecond).toLocaleString('en-US'),
      t.latencyP50Ms.toFixed(0),
      t.latencyP99Ms.toFixed(0),
      t.serverCpuUsPerRequest === undefined ? 'n/a' : t.serverCpuUsPerRequest.toFixed(1),
      t.logLinesPerRequest === undefined ? '-' : t.logLinesPerRequest.toFixed(2),
      t.problems.length === 0 ? 'ok' : 'FAILED',
    ]),
  ];
  const ratioRows = [
    ['ratio', 'per round', 'median', 'budget', 'met'],
    ...ratios.map((r) => [
      r.name,
      r.perRound.map((v) => v.toFixed(2)).join(' '),
      r.value.toFixed(2),
      r.budget,
      r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    ]),
  ];
  return `${align(rows)}\n\n${align(ratioRows)}`;
}

function align(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}
