import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import type { AuditRecord } from './chain.ts';
import type { AuditTables } from './tables.ts';

export interface AuditQuery {
  action?: string | undefined;
  actorUser?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Entries before this seq (the previous page's `next`). */
  before?: number | undefined;
  limit: number;
}

export interface AuditPage {
  items: AuditRecord[];
  /** Pass as `before` for the next (older) page; `null` on the last. */
  next: number | null;
}

/** A module's entries, newest first, filtered and paged by seq (stable while entries are appended). */
export async function queryAuditLog(db: Db, tables: AuditTables, query: AuditQuery): Promise<AuditPage> {
  const { log } = tables;
  const where: SQL[] = [];
  if (query.action !== undefined) where.push(eq(log.action, query.action));
  if (query.actorUser !== undefined) where.push(eq(log.actorUser, query.actorUser));
  if (query.since !== undefined) where.push(gte(log.at, query.since));
  if (query.until !== undefined) where.push(lte(log.at, query.until));
  if (query.before !== undefined) where.push(lt(log.seq, query.before));
  const rows = await db
    .select()
    .from(log)
    .where(and(...where))
    .orderBy(desc(log.seq))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit).map((r) => ({ ...r, at: r.at.toISOString() }));
  return { items, next: rows.length > query.limit ? (items.at(-1)?.seq ?? null) : null };
}
