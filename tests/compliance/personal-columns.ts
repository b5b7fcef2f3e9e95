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

/**
 * Columns that keep the erased user's id by design (docs/operations/erasure.md): identity's account row, erasure record
 * and spent tokens (a pseudonym nothing links to a person any more), the append-only order streams, and ordering's and
 * payments' maps from that id to the erasure's pseudonym. Named `<schema>.<table>.<column>`, as the erasure tests' searches report them.
 */
export const keptAfterErasure: readonly string[] = [
  'identity.users.id',
  'identity.erasures.user_id',
  'identity.refresh_tokens.user_id',
  'ordering.es_events.payload',
  'ordering.erased_customers.customer_id',
  'payments.erased_customers.customer_id',
];
