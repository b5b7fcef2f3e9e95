import type { Registry } from 'prom-client';

/** Label values of one series, fixed when the series is made. */
export type Labels = Readonly<Record<string, string>>;

/** One counter series: a plain number, incremented without allocation. */
export interface CounterCell {
  labels: Labels;
  value: number;
}

/** One histogram series: counts per bucket (not cumulative), sum and count, updated without allocation. */
export interface HistogramCell {
  labels: Labels;
  bounds: readonly number[];
  /** `bounds.length + 1` counts; the last is above every bound (`+Inf`). */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/** Records one observation in a histogram series. */
export function observe(cell: HistogramCell, value: number): void {
  const { bounds } = cell;
  let i = 0;
  while (i < bounds.length && value > (bounds[i] as number)) i++;
  cell.buckets[i] = (cell.buckets[i] as number) + 1;
  cell.sum += value;
  cell.count++;
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface Family<C> {
  /** The series with these labels, made on first use and kept: hold it, and updating it costs no lookup. */
  cell(labels: Labels): C;
}

const keyOf = (labels: Labels) => JSON.stringify(labels);

/**
 * A counter whose series are plain objects the hot path increments, registered in a prom-client registry, which
 * formats it with every other metric. prom-client's own children hash their labels and allocate on each `inc()`; the
 * per-request path cannot afford that (see bench/README.md).
 */
export function cellCounter(registry: Registry, name: string, help: string): Family<CounterCell> {
  const cells = new Map<string, CounterCell>();
  registry.registerMetric({
    name,
    help,
    type: 'counter',
    get: () => ({ name, help, type: 'counter', aggregator: 'sum', values: [...cells.values()].map((c) => ({ labels: { ...c.labels }, value: c.value })) }),
  } as never);
  return {
    cell(labels) {
      const key = keyOf(labels);
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { labels, value: 0 }));
      return cell;
    },
  };
}

/** A histogram like {@link cellCounter}: `observe(cell, seconds)` on the hot path, cumulative buckets at scrape time. */
export function cellHistogram(registry: Registry, name: string, help: string, bounds: readonly number[]): Family<HistogramCell> {
  const cells = new Map<string, HistogramCell>();
  registry.registerMetric({
    name,
    help,
    type: 'histogram',
    get: () => {
      const values: Value[] = [];
      for (const c of cells.values()) {
        let cumulative = 0;
        for (let i = 0; i <= bounds.length; i++) {
          cumulative += c.buckets[i] as number;
          values.push({ metricName: `${name}_bucket`, labels: { ...c.labels, le: i < bounds.length ? (bounds[i] as number) : '+Inf' }, value: cumulative });
        }
        values.push({ metricName: `${name}_sum`, labels: { ...c.labels }, value: c.sum });
        values.push({ metricName: `${name}_count`, labels: { ...c.labels }, value: c.count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  } as never);
  return {
    cell(labels) {
      const key = keyOf(labels);
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { labels, bounds, buckets: new Float64Array(bounds.length + 1), sum: 0, count: 0 }));
      return cell;
    },
  };
}

/** Latency buckets in seconds, from 1 ms to 10 s: HTTP requests, module calls, event handling. */
export const latencyBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
