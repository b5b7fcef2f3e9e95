import { index, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { dataKeyTables } from '../../../platform/encryption/tables.ts';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/** Identity's own schema: users, registered clients, tokens it must remember, and its signing keys. */
export const identitySchema = pgSchema('identity');

export const users = identitySchema.table('users', {
  id: uuid('id').primaryKey(),
  username: text('username').notNull().unique(),
  /** scrypt, with its parameters and salt: `scrypt$<N>$<r>$<p>$<salt>$<hash>`. Never the password. */
  passwordHash: text('password_hash').notNull(),
  roles: jsonb('roles').$type<string[]>().notNull(),
  /** Sealed with the user's data key (`f1.<key id>.…`), or null; never stored in the clear. */
  email: text('email'),
  /** Blind index of the normalised e-mail address (HMAC-SHA-256): finds a user by e-mail, one account per address. */
  emailIndex: text('email_index').unique(),
  /** Sealed with the user's data key, or null. */
  displayName: text('display_name'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
});

export const clients = identitySchema.table('clients', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** SHA-256 of a random secret (high entropy, so no slow hash is needed); null for public clients (PKCE). */
  secretHash: text('secret_hash'),
  redirectUris: jsonb('redirect_uris').$type<string[]>().notNull(),
  grantTypes: jsonb('grant_types').$type<string[]>().notNull(),
  /** The most a token issued to this client may carry. */
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const refreshTokens = identitySchema.table(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    /** SHA-256 of the token; the token itself is only ever in the client's hands. */
    tokenHash: text('token_hash').notNull(),
    /** Every token obtained by rotating the same login: a reused one revokes them all. */
    familyId: uuid('family_id').notNull(),
    clientId: text('client_id').notNull(),
    userId: uuid('user_id').notNull(),
    scope: text('scope').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the family's sign-in happened: no token of the family outlives it by more than REFRESH_TOKEN_MAX_AGE. */
    familyStartedAt: timestamp('family_started_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_idx').on(t.tokenHash), index('refresh_tokens_family_idx').on(t.familyId)],
);

export const authorizationCodes = identitySchema.table('authorization_codes', {
  /** SHA-256 of the code. */
  codeHash: text('code_hash').primaryKey(),
  clientId: text('client_id').notNull(),
  userId: uuid('user_id').notNull(),
  redirectUri: text('redirect_uri').notNull(),
  /** PKCE (RFC 7636), S256 only. */
  codeChallenge: text('code_challenge').notNull(),
  scope: text('scope').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  /** The refresh-token family the code's redemption started: revoked if the code is presented again (RFC 6749 §4.1.2). */
  familyId: uuid('family_id'),
});

export const signingKeys = identitySchema.table('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  /** The private JWK sealed with the configured key-encryption key; erased when the key is retired. */
  privateJwk: text('private_jwk'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** When it starts signing: once published long enough for every verifier to have fetched it. */
  signsFrom: timestamp('signs_from', { withTimezone: true }).notNull(),
  /** When it left the key set: every token it signed had expired. */
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/** Erasure requests: who asked to erase which account, and when (the request itself holds no personal data). */
export const erasures = identitySchema.table(
  'erasures',
  {
    id: uuid('id').primaryKey(),
    /** The erased account: a pseudonymous id, every copy of whose data other modules erase on `identity.user-erased`. */
    userId: uuid('user_id').notNull(),
    /** `user` (the account holder) or `operator:<subject>` (an administrator, by token subject). */
    requestedBy: text('requested_by').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('erasures_user_idx').on(t.userId)],
);

/** Rows erased or anonymised in one table, as an erasure confirmation reports them. */
export interface ErasedTable {
  table: string;
  rows: number;
}

/**
 * Each module's confirmation that it erased its copies of an erasure's subject (identity's own too), with what it
 * erased per table: the erasure report. Counts only, no personal data.
 */
export const erasureConfirmations = identitySchema.table(
  'erasure_confirmations',
  {
    erasureId: uuid('erasure_id').notNull(),
    module: text('module').notNull(),
    /** Rows erased or anonymised per table, as the module reported them. */
    erased: jsonb('erased').$type<ErasedTable[]>().notNull(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.erasureId, t.module] })],
);

export const { outbox, inbox, deadLetters } = eventTables(identitySchema);
export const { dataKeys } = dataKeyTables(identitySchema);
export const { idempotencyKeys } = idempotencyTables(identitySchema);
