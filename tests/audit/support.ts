import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { call } from '../support/test-host.ts';

/** What `GET /ops/audit/verify` says about one module. */
export interface Report {
  module: string;
  ok: boolean;
  entries: number;
  checkpoints: number;
  lastCheckpointSeq: number;
  problem?: { seq: number; kind: string; message: string };
}

export async function verify(host: Host, module: string): Promise<Report> {
  const response = await call(host, 'GET', `/ops/audit/verify?module=${module}`);
  if (response.status !== 200) throw new Error(`verify answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { reports: Report[] };
  return body.reports[0] as Report;
}

export async function checkpoint(host: Host, module: string): Promise<{ seq: number; created: boolean }> {
  const response = await call(host, 'POST', `/ops/audit/checkpoints?module=${module}`);
  if (response.status !== 200) throw new Error(`checkpoint answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { items: { seq: number; created: boolean }[] };
  return body.items[0] as { seq: number; created: boolean };
}

export interface EntryRow {
  seq: number;
  action: string;
  outcome: string;
  actor_user: string | null;
  actor_module: string | null;
  actor_client: string | null;
  target: string | null;
  request_id: string | null;
  correlation_id: string | null;
  detail: Record<string, unknown>;
}

/** A module's entries straight from its table, oldest first. */
export async function entries(db: Db, module: string, action?: string): Promise<EntryRow[]> {
  const rows = resultRows<EntryRow>(
    await db.execute(sql`select * from ${sql.identifier(module)}.audit_log ${action ? sql`where action = ${action}` : sql``} order by seq`),
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

export async function headSeq(db: Db, module: string): Promise<number> {
  const [row] = resultRows<{ seq: number | string }>(await db.execute(sql`select seq from ${sql.identifier(module)}.audit_head`));
  return Number(row?.seq);
}
