import { and, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import type { MessageStatus } from '../domain/message.ts';
import { messages } from './schema.ts';

export type MessageRow = typeof messages.$inferSelect;

/** Inserts the message unless one exists for its event and template; returns whether it did. */
export async function insertMessage(db: Executor, row: typeof messages.$inferInsert): Promise<boolean> {
  return (await db.insert(messages).values(row).onConflictDoNothing().returning({ id: messages.id })).length > 0;
}

export async function findMessage(db: Executor, id: string): Promise<MessageRow | undefined> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id));
  return row;
}

/** A customer's messages, newest first. */
export async function messagesOf(db: Executor, customerId: string, limit: number): Promise<MessageRow[]> {
  return db.select().from(messages).where(eq(messages.customerId, customerId)).orderBy(desc(messages.createdAt), desc(messages.id)).limit(limit);
}

/**
 * How many messages a customer has and the latest `limit` of them, in one statement: the count and the page come
 * from the same snapshot, so a message committed meanwhile is in both or in neither.
 */
export async function countedMessagesOf(db: Executor, customerId: string, limit: number): Promise<{ count: number; rows: MessageRow[] }> {
  const found = await db
    .select({ row: getTableColumns(messages), total: sql<number>`count(*) over ()` })
    .from(messages)
    .where(eq(messages.customerId, customerId))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit);
  return { count: Number(found[0]?.total ?? 0), rows: found.map((f) => f.row) };
}

/**
 * Ends a pending message: delivered (with the sealed address it went to), undeliverable or failed. Only a pending one
 * changes, so a repeated ending (a retried delivery) changes nothing; returns whether this call ended it.
 */
export async function endMessage(
  db: Executor,
  id: string,
  end: { status: Exclude<MessageStatus, 'pending'>; recipient?: string | null; failure?: string | null },
): Promise<boolean> {
  const ended = await db
    .update(messages)
    .set({ status: end.status, recipient: end.recipient ?? null, failure: end.failure ?? null, sentAt: end.status === 'delivered' ? new Date() : null })
    .where(and(eq(messages.id, id), eq(messages.status, 'pending')))
    .returning({ id: messages.id });
  return ended.length > 0;
}
