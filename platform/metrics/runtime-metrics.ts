import { monitorEventLoopDelay } from 'node:perf_hooks';
import process from 'node:process';
import { Gauge, type Registry } from 'prom-client';

/** A reading of this process; the ones that throw or give no number on this runtime are left out, not faked. */
interface Reading {
  name: string;
  help: string;
  read: () => number;
}

const readings: Reading[] = [
  { name: 'process_cpu_user_seconds_total', help: 'User CPU time spent, in seconds.', read: () => process.cpuUsage().user / 1e6 },
  { name: 'process_cpu_system_seconds_total', help: 'System CPU time spent, in seconds.', read: () => process.cpuUsage().system / 1e6 },
  {
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    read: () => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1e6;
    },
  },
  {
    name: 'process_start_time_seconds',
    help: 'Start time of the process since the Unix epoch, in seconds.',
    read: () => Math.round(Date.now() / 1000 - process.uptime()),
  },
  { name: 'process_resident_memory_bytes', help: 'Resident memory size, in bytes.', read: () => process.memoryUsage().rss },
  { name: 'nodejs_heap_size_total_bytes', help: 'JavaScript heap size, in bytes.', read: () => process.memoryUsage().heapTotal },
  { name: 'nodejs_heap_size_used_bytes', help: 'JavaScript heap in use, in bytes.', read: () => process.memoryUsage().heapUsed },
  { name: 'nodejs_external_memory_bytes', help: 'Memory of C++ objects bound to JavaScript objects, in bytes.', read: () => process.memoryUsage().external },
];

function works(reading: Reading): boolean {
  try {
    const value = reading.read();
    return Number.isFinite(value) && value >= 0;
  } catch {
    return false;
  }
}

/** Event-loop delay since the last scrape: percentiles and maximum, in seconds. */
interface DelaySource {
  percentile(p: number): number;
  max(): number;
  mean(): number;
  reset(): void;
  stop(): void;
}

/**
 * A value of Node's delay histogram as the delay, in seconds: the histogram records the time from one sampling timer
 * to the next, the sampling period included (an idle loop reads `resolution` ms: p50 0.0101, min 0.0091 at 10 ms),
 * so the period is taken off, as the timer-based measure on Deno does.
 */
export function histogramDelaySeconds(ns: number, resolutionMs: number): number {
  return Number.isFinite(ns) ? Math.max(0, ns - resolutionMs * 1e6) / 1e9 : 0;
}

/** Node's histogram of event-loop delay (perf_hooks), sampled every 10 ms by libuv. */
function perfHooksDelay(): DelaySource {
  const resolution = 10;
  const histogram = monitorEventLoopDelay({ resolution });
  histogram.enable();
  const seconds = (ns: number) => (histogram.count === 0 ? 0 : histogramDelaySeconds(ns, resolution));
  return {
    percentile: (p) => seconds(histogram.percentile(p)),
    max: () => seconds(histogram.max),
    mean: () => seconds(histogram.mean),
    reset: () => histogram.reset(),
    stop: () => histogram.disable(),
  };
}

/**
 * The delay of a timer due every `periodMs`, for runtimes whose `monitorEventLoopDelay` records nothing (Deno 2: its
 * histogram stays empty and reports NaN). Coarser than libuv's, but a real measurement.
 */
function timerDelay(periodMs = 20): DelaySource {
  const samples = new Float64Array(1024);
  let n = 0;
  let expected = performance.now() + periodMs;
  const timer = setInterval(() => {
    const now = performance.now();
    samples[n++ % samples.length] = Math.max(0, now - expected) / 1000;
    expected = now + periodMs;
  }, periodMs);
  (timer as { unref?: () => void }).unref?.();
  const sorted = () => samples.slice(0, Math.min(n, samples.length)).sort();
  return {
    percentile: (p) => {
      const s = sorted();
      return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
    },
    max: () => {
      const s = sorted();
      return s.length === 0 ? 0 : (s[s.length - 1] as number);
    },
    mean: () => {
      const s = sorted();
      return s.length === 0 ? 0 : s.reduce((a, b) => a + b, 0) / s.length;
    },
    reset: () => {
      n = 0;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Process metrics written by Cleave rather than prom-client's default collectors, which report NaN and bogus minimums
 * for the event loop on Deno: CPU, memory, start time, and event-loop delay since the previous scrape. Returns a stop
 * function for the delay sampler.
 */
export function runtimeMetrics(registry: Registry): () => void {
  for (const { name, help, read } of readings.filter(works)) {
    // CPU time only grows: a counter, read from the process when scraped.
    const type = name.endsWith('_total') ? 'counter' : 'gauge';
    registry.registerMetric({ name, help, type, get: () => ({ name, help, type, aggregator: 'sum', values: [{ labels: {}, value: read() }] }) } as never);
  }
  const delay = 'Deno' in globalThis ? timerDelay() : perfHooksDelay();
  const lag = (suffix: string, help: string, read: () => number) =>
    new Gauge({
      name: `nodejs_eventloop_lag_${suffix}_seconds`,
      help: `${help} event-loop delay since the previous scrape, in seconds.`,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  lag('p50', 'Median', () => delay.percentile(50));
  lag('p90', '90th percentile of', () => delay.percentile(90));
  lag('p99', '99th percentile of', () => delay.percentile(99));
  lag('mean', 'Mean', () => delay.mean());
  // The last one read resets the window for the next scrape.
  lag('max', 'Longest', () => {
    const max = delay.max();
    delay.reset();
    return max;
  });
  return () => delay.stop();
}
