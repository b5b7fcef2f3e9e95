import { and, count, desc, eq } from 'drizzle-orm';
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

export async function countMessagesOf(db: Executor, customerId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(messages).where(eq(messages.customerId, customerId));
  return Number(row?.n ?? 0);
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
