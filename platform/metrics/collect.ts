import { Counter, type Registry } from 'prom-client';

/**
 * Collectors that read something outside the process (a database, Redis) at scrape time, each bounded by a deadline:
 * a stuck database must not hang `/metrics`. A collector that fails or runs out of time keeps its previous values,
 * and is counted in `cleave_metrics_collect_failures_total{collector}`. A collector still running from an earlier
 * scrape (its read waits on a lock past the deadline) is not started again: scrapes every few seconds would otherwise
 * pile up one waiting query each and take the module's whole connection pool; that scrape counts it as failed.
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
  const added: { name: string; collect: () => Promise<void>; running?: Promise<void> | undefined }[] = [];
  const runOne = async (entry: (typeof added)[number]) => {
    if (entry.running) {
      failures.labels(entry.name).inc();
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${entry.name} took over ${timeoutMs} ms`)), timeoutMs);
    });
    const running = entry.collect().finally(() => (entry.running = undefined));
    entry.running = running;
    try {
      await Promise.race([running, deadline]);
    } catch {
      failures.labels(entry.name).inc();
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    add: (name, collect) => void added.push({ name, collect }),
    run: async () => void (await Promise.all(added.map(runOne))),
  };
}
