import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import { authorizationCodes, clients, refreshTokens, users } from './schema.ts';

/** SHA-256 of a high-entropy token or secret, as stored (base64url). */
export const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/** A new opaque token: 256 random bits, base64url. */
export const opaqueToken = () => randomBytes(32).toString('base64url');

export type UserRow = typeof users.$inferSelect;
export type ClientRow = typeof clients.$inferSelect;

export async function findUserByName(db: Executor, username: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.username, username));
  return row;
}

/** The user whose e-mail blind index is `emailIndex`. */
export async function findUserByEmailIndex(db: Executor, emailIndex: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.emailIndex, emailIndex));
  return row;
}

/** Drops a user's e-mail blind index, so the address no longer finds (or blocks) the account. */
export async function clearEmailIndex(db: Executor, id: string): Promise<void> {
  await db.update(users).set({ emailIndex: null }).where(eq(users.id, id));
}

export async function findUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/** Inserts a user unless the username (or the e-mail address, by its blind index) is taken; returns whether it did. */
export async function insertUser(db: Executor, user: typeof users.$inferInsert): Promise<boolean> {
  return (await db.insert(users).values(user).onConflictDoNothing().returning({ id: users.id })).length > 0;
}

export async function findClient(db: Executor, id: string): Promise<ClientRow | undefined> {
  const [row] = await db.select().from(clients).where(eq(clients.id, id));
  return row;
}

export async function listClients(db: Executor): Promise<ClientRow[]> {
  return db.select().from(clients).orderBy(clients.createdAt, clients.id);
}

/** Registers a client, or updates what it may do (not its secret) when it exists. */
export async function upsertClient(db: Executor, client: typeof clients.$inferInsert): Promise<void> {
  await db
    .insert(clients)
    .values(client)
    .onConflictDoUpdate({
      target: clients.id,
      set: { name: client.name, redirectUris: client.redirectUris, grantTypes: client.grantTypes, scopes: client.scopes },
    });
}

export async function insertRefreshToken(db: Executor, row: typeof refreshTokens.$inferInsert): Promise<void> {
  await db.insert(refreshTokens).values(row);
}

/**
 * Marks a refresh token used, atomically: only the first of two concurrent uses gets the row back. Returns the row as
 * it was (with `usedAt` set when it had been used before: a reuse).
 */
export async function useRefreshToken(db: Executor, hash: string): Promise<{ row: typeof refreshTokens.$inferSelect; firstUse: boolean } | undefined> {
  const [used] = await db
    .update(refreshTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(refreshTokens.tokenHash, hash), isNull(refreshTokens.usedAt)))
    .returning();
  if (used) return { row: used, firstUse: true };
  const [existing] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash));
  return existing ? { row: existing, firstUse: false } : undefined;
}

/**
 * Revokes every refresh token of a family (after a reuse, or a logout). Returns how many were still unrevoked: 0 when
 * another transaction revoked the family first (it waits for that one's row locks, then finds nothing to change).
 */
export async function revokeFamily(db: Executor, familyId: string): Promise<number> {
  const revoked = await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return revoked.length;
}

export async function findRefreshToken(db: Executor, hash: string) {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash));
  return row;
}

export async function insertAuthorizationCode(db: Executor, row: typeof authorizationCodes.$inferInsert): Promise<void> {
  await db.insert(authorizationCodes).values(row);
}

type AuthorizationCode = typeof authorizationCodes.$inferSelect;

/** Takes a code for its single use: the row when this was the first use, `{ reused }` (the row) when it had been used. */
export async function takeAuthorizationCode(db: Executor, hash: string): Promise<AuthorizationCode | { reused: AuthorizationCode } | undefined> {
  const [taken] = await db
    .update(authorizationCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(authorizationCodes.codeHash, hash), isNull(authorizationCodes.usedAt)))
    .returning();
  if (taken) return taken;
  const [existing] = await db.select().from(authorizationCodes).where(eq(authorizationCodes.codeHash, hash));
  return existing ? { reused: existing } : undefined;
}

/** Records the refresh-token family a code's redemption started, so presenting the code again can revoke it. */
export async function setCodeFamily(db: Executor, hash: string, familyId: string): Promise<void> {
  await db.update(authorizationCodes).set({ familyId }).where(eq(authorizationCodes.codeHash, hash));
}
