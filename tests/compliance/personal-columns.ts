import type { ModuleDefinition } from '../../platform/host/index.ts';

/**
 * Every declared table and column of `module` (its own `data` and its projections') that can hold personal data: the
 * classified columns and the column naming each table's data subject. What an erasure test searches for a person.
 */
export function personalColumns(module: ModuleDefinition): { table: string; column: string }[] {
  const tables = [...Object.entries(module.data ?? {}), ...(module.projections ?? []).flatMap((p) => Object.entries(p.data ?? {}))];
  return tables.flatMap(([table, entry]) => {
    const columns = [...Object.keys(entry.columns ?? {}), ...(entry.subject ? [entry.subject] : [])];
    return [...new Set(columns)].map((column) => ({ table, column }));
  });
}
