import { Counter, type Registry } from 'prom-client';

/**
 * Collectors that read something outside the process (a database, Redis) at scrape time, each bounded by a deadline:
 * a stuck database must not hang `/metrics`. A collector that fails or runs out of time keeps its previous values,
 * and is counted in `cleave_metrics_collect_failures_total{collector}`.
 */
export interface Collectors {
  /** Adds `collect` under `name` (a bounded label: `outbox`, `bullmq`...); it sets its gauges when it succeeds. */
  add(name: string, collect: () => Promise<void>): void;
  /** Runs every collector at once, each within the deadline; never rejects. */
  run(): Promise<void>;
}

export function collectors(registry: Registry, timeoutMs: number): Collectors {
  const failures = new Counter({
    name: 'cleave_metrics_collect_failures_total',
    help: 'Scrape-time collectors that failed or ran out of time, by collector.',
    labelNames: ['collector'],
    registers: [registry],
  });
  const added: { name: string; collect: () => Promise<void> }[] = [];
  const runOne = async (name: string, collect: () => Promise<void>) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} took over ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([collect(), deadline]);
    } catch {
      failures.labels(name).inc();
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    add: (name, collect) => void added.push({ name, collect }),
    run: async () => void (await Promise.all(added.map((c) => runOne(c.name, c.collect)))),
  };
}
