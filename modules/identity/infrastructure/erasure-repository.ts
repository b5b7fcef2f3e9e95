import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import { authorizationCodes, deadLetters, erasureConfirmations, erasures, outbox, refreshTokens, users, type ErasedTable } from './schema.ts';

/** What an erased account's username becomes: unique (one erasure per account), and naming nobody, not even by id. */
/** What an erased account's username starts with: reserved, no one signs up under it. */
export const erasedUsernamePrefix = 'erased-';
export const erasedUsername = (erasureId: string) => `${erasedUsernamePrefix}${erasureId}`;

export type ErasureRow = typeof erasures.$inferSelect;

/** Records an erasure request unless the user has one; returns the user's erasure (the new one or the earlier). */
export async function recordErasure(db: Executor, row: typeof erasures.$inferInsert): Promise<{ erasure: ErasureRow; created: boolean }> {
  const [created] = await db.insert(erasures).values(row).onConflictDoNothing().returning();
  if (created) return { erasure: created, created: true };
  const [existing] = await db.select().from(erasures).where(eq(erasures.userId, row.userId));
  if (!existing) throw new Error(`Erasure of ${row.userId} neither recorded nor found.`);
  return { erasure: existing, created: false };
}

export type ConfirmationRow = typeof erasureConfirmations.$inferSelect;

/** Records a module's confirmation of an erasure unless it has one; returns the stored one (the first stays). */
export async function recordConfirmation(db: Executor, row: { erasureId: string; module: string; erased: ErasedTable[] }): Promise<ConfirmationRow> {
  const [created] = await db.insert(erasureConfirmations).values(row).onConflictDoNothing().returning();
  if (created) return created;
  const [existing] = await db
    .select()
    .from(erasureConfirmations)
    .where(and(eq(erasureConfirmations.erasureId, row.erasureId), eq(erasureConfirmations.module, row.module)));
  if (!existing) throw new Error(`Confirmation of erasure ${row.erasureId} by ${row.module} neither recorded nor found.`);
  return existing;
}

export async function listConfirmations(db: Executor, erasureId: string): Promise<ConfirmationRow[]> {
  return db.select().from(erasureConfirmations).where(eq(erasureConfirmations.erasureId, erasureId));
}

export async function findErasure(db: Executor, id: string): Promise<ErasureRow | undefined> {
  const [row] = await db.select().from(erasures).where(eq(erasures.id, id));
  return row;
}

/**
 * Anonymises the users row: the sign-in name (plain, unique) becomes `erasedName`, the sealed fields, blind index
 * and password hash go, and the account is disabled. The row stays so the id is not reused and erasures refer to it.
 */
export async function anonymiseUser(db: Executor, id: string, erasedName: string): Promise<void> {
  await db
    .update(users)
    .set({
      username: erasedName,
      email: null,
      emailIndex: null,
      displayName: null,
      passwordHash: 'erased',
      roles: [],
      disabledAt: sql`coalesce(${users.disabledAt}, now())`,
    })
    .where(eq(users.id, id));
}

/** Revokes the user's refresh tokens and deletes their pending authorization codes; returns how many of each. */
export async function revokeUserGrants(db: Executor, userId: string): Promise<{ refreshTokens: number; authorizationCodes: number }> {
  const revoked = await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  const deleted = await db.delete(authorizationCodes).where(eq(authorizationCodes.userId, userId)).returning({ code: authorizationCodes.codeHash });
  return { refreshTokens: revoked.length, authorizationCodes: deleted.length };
}

/**
 * The username travels in the clear in `identity.user-registered` (its sealed fields are gone with the key): replaces
 * it in identity's outbox copies and deletes identity's dead letters about the user. Returns how many rows changed.
 */
export async function scrubUserEvents(db: Executor, userId: string, erasedName: string): Promise<number> {
  const rewritten = await db
    .update(outbox)
    .set({ envelope: sql`jsonb_set(${outbox.envelope}, '{payload,username}', to_jsonb(${erasedName}::text))` })
    .where(and(eq(outbox.aggregateKey, userId), eq(outbox.name, 'identity.user-registered')))
    .returning({ seq: outbox.seq });
  const dropped = await db
    .delete(deadLetters)
    .where(sql`${deadLetters.envelope}->>'key' = ${userId}`)
    .returning({ id: deadLetters.id });
  return rewritten.length + dropped.length;
}
