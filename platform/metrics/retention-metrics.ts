import { Counter, Gauge, type Registry } from 'prom-client';

/** What a module's retention job reports: rows it removed or anonymised, and when a run finished. */
export interface RetentionMetrics {
  rows(module: string, table: string, action: 'delete' | 'anonymise', count: number): void;
  ran(module: string, at: Date): void;
}

export function retentionMetrics(registry: Registry): RetentionMetrics {
  const rows = new Counter({
    name: 'cleave_retention_rows_total',
    help: 'Rows past their declared retention that the retention job deleted or anonymised, by module, table and action.',
    labelNames: ['module', 'table', 'action'],
    registers: [registry],
  });
  const last = new Gauge({
    name: 'cleave_retention_last_run_timestamp_seconds',
    help: 'When the retention job of a module last finished a run (Unix seconds).',
    labelNames: ['module'],
    registers: [registry],
  });
  return {
    rows: (module, table, action, count) => rows.inc({ module, table, action }, count),
    ran: (module, at) => last.set({ module }, at.getTime() / 1000),
  };
}
