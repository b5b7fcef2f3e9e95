import type { Registry } from 'prom-client';
import type { RequestObserver } from '../http/index.ts';
import { cellCounter, cellHistogram, latencyBuckets, observe, type CounterCell, type HistogramCell } from './cells.ts';

/** The series of one operation: resolved on its first request and kept, so later requests only add numbers. */
interface OperationSeries {
  duration: HistogramCell;
  /** By HTTP status (a bounded set: what the operation declares, and the platform's). */
  requests: Map<number, CounterCell>;
  /** By status and problem code (bounded: codes are declared per operation). */
  errors: Map<string, CounterCell>;
  labels: { module: string; operation: string };
}

/** The `module` label of requests outside any module (health, OpenAPI, /ops, /metrics). */
export const platformModule = 'platform';

/**
 * RED metrics of the HTTP app: requests by module, operation and status; errors by problem code; latency. The
 * operation is the contract's `METHOD /path/{template}` (also for a request refused before the route ran: 401, 429...),
 * never the raw path, so ids never become labels; a request no contract route matched is `(unmatched)`, or
 * `(forwarded)` when the gateway sends it to a module elsewhere.
 */
export function httpMetrics(registry: Registry, forwarded: ReadonlySet<string>): RequestObserver {
  const requests = cellCounter(registry, 'cleave_http_requests_total', 'HTTP requests answered, by module, operation and status.');
  const errors = cellCounter(
    registry,
    'cleave_http_request_errors_total',
    'HTTP answers with status 400 or above, by module, operation, status and problem code (`none` when the body is not a Cleave problem).',
  );
  const durations = cellHistogram(registry, 'cleave_http_request_duration_seconds', 'Time to answer HTTP requests, by module and operation.', latencyBuckets);
  const byRoute = new WeakMap<object, OperationSeries>();
  const outside = new Map<string, OperationSeries>();
  const series = (module: string, operation: string): OperationSeries => {
    const labels = { module, operation };
    return { duration: durations.cell(labels), requests: new Map(), errors: new Map(), labels };
  };
  return (route, module, status, problem, seconds) => {
    let s = route ? byRoute.get(route) : outside.get(module ?? platformModule);
    if (!s) {
      const name = module ?? platformModule;
      s = series(name, route ? route.operation : module !== undefined && forwarded.has(module) ? '(forwarded)' : '(unmatched)');
      if (route) byRoute.set(route, s);
      else outside.set(name, s);
    }
    observe(s.duration, seconds);
    let counted = s.requests.get(status);
    if (!counted) s.requests.set(status, (counted = requests.cell({ ...s.labels, status: String(status) })));
    counted.value++;
    if (status < 400) return;
    const code = problem ?? 'none';
    const key = `${status} ${code}`;
    let failed = s.errors.get(key);
    if (!failed) s.errors.set(key, (failed = errors.cell({ ...s.labels, status: String(status), problem: code })));
    failed.value++;
  };
}
