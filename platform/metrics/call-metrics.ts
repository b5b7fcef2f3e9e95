import type { Registry } from 'prom-client';
import type { CallMeter } from '../contracts/index.ts';
import { cellCounter, cellHistogram, latencyBuckets, observe, type CounterCell, type HistogramCell } from './cells.ts';

/** How a call reached its provider: the direct path, this process's app (HTTP semantics, no network), or the network. */
export type CallTransport = 'in-process' | 'in-process-http' | 'http';

interface TransportSeries {
  duration: HistogramCell;
  ok: CounterCell;
  failed: CounterCell;
  /** By problem code (bounded: codes are declared per operation). */
  errors: Map<string, CounterCell>;
  labels: { caller: string; provider: string; transport: CallTransport };
}

/**
 * Module-call metrics by caller, provider and transport: calls by outcome, failures by problem code, latency. The
 * meter of one caller and provider is resolved when the module's client is made; each call then adds numbers.
 *
 * @param viaNetwork Whether calls to `provider` that skip the direct path cross the network (it runs elsewhere).
 */
export function callMetrics(registry: Registry, viaNetwork: (provider: string) => boolean): (caller: string, provider: string) => CallMeter {
  const calls = cellCounter(registry, 'cleave_module_calls_total', 'Calls between modules, by caller, provider, transport and outcome (ok, error).');
  const errors = cellCounter(registry, 'cleave_module_call_errors_total', 'Failed calls between modules, by caller, provider, transport and problem code.');
  const durations = cellHistogram(
    registry,
    'cleave_module_call_duration_seconds',
    'Time calls between modules took, by caller, provider and transport.',
    latencyBuckets,
  );
  const series = (caller: string, provider: string, transport: CallTransport): TransportSeries => {
    const labels = { caller, provider, transport };
    return {
      duration: durations.cell(labels),
      ok: calls.cell({ ...labels, outcome: 'ok' }),
      failed: calls.cell({ ...labels, outcome: 'error' }),
      errors: new Map(),
      labels,
    };
  };
  return (caller, provider) => {
    const direct = series(caller, provider, 'in-process');
    const sent = series(caller, provider, viaNetwork(provider) ? 'http' : 'in-process-http');
    return {
      record(isDirect, seconds, error) {
        const s = isDirect ? direct : sent;
        observe(s.duration, seconds);
        if (error === undefined) {
          s.ok.value++;
          return;
        }
        s.failed.value++;
        const code = codeOf(error);
        let cell = s.errors.get(code);
        if (!cell) s.errors.set(code, (cell = errors.cell({ ...s.labels, problem: code })));
        cell.value++;
      },
    };
  };
}

/** The problem code of a failed call (`RemoteProblemError`, `CleaveError`), or `none` for anything else (an abort). */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[\w.-]+\/[\w./-]+$/.test(code) && code.length <= 100 ? code : 'none';
}
