import { randomUUID } from 'node:crypto';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import type { Db } from '../../../platform/db/index.ts';
import type { SecretBox } from '../../../platform/security/index.ts';
import { signingKeys } from './schema.ts';

export const signingAlgorithm = 'ES256';

export interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

export interface KeyStore {
  /** The key new tokens are signed with; made on first use when the identity schema has none. */
  active(): Promise<ActiveKey>;
  /** Public keys that verify: the active one and those still within a token lifetime of their retirement. */
  jwks(): Promise<JSONWebKeySet>;
  /** A new key signs from now on; the previous one keeps verifying until its tokens have expired. */
  rotate(): Promise<{ kid: string; previous: string | undefined }>;
  list(): Promise<{ kid: string; status: string; createdAt: string; deactivatedAt: string | null }[]>;
}

export interface KeyStoreOptions {
  db: Db;
  box: SecretBox;
  /** Longest an access token lives: a deactivated key verifies this long (plus a margin), then it is retired. */
  tokenLifetimeMs: number;
  /** How long a replica reuses what it read, so a rotation on another replica is seen within this. */
  cacheMs: number;
}

const lock = sql`select pg_advisory_xact_lock(hashtext('cleave:identity:signing-keys'))`;

/**
 * Signing keys live in the identity schema, the private half sealed with the key-encryption key, so every replica
 * signs with the same keys and a rotation needs no restart. Creating and rotating run under an advisory lock, so
 * replicas starting at once make one key.
 */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const { db, box } = options;
  let cached: { at: number; active: ActiveKey; jwks: JSONWebKeySet } | undefined;
  const context = (kid: string) => `identity/signing-key/${kid}`;

  async function newKey(tx: Parameters<Parameters<Db['transaction']>[0]>[0]): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: signingAlgorithm, use: 'sig' };
    const sealed = box.seal(JSON.stringify(await exportJWK(privateKey)), context(kid));
    await tx.insert(signingKeys).values({ kid, alg: signingAlgorithm, publicJwk, privateJwk: sealed, status: 'active' });
    return kid;
  }

  async function load(): Promise<NonNullable<typeof cached>> {
    let rows = await db
      .select()
      .from(signingKeys)
      .where(inArray(signingKeys.status, ['active', 'verifying']));
    if (!rows.some((r) => r.status === 'active')) {
      await db.transaction(async (tx) => {
        await tx.execute(lock);
        const [present] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.status, 'active'));
        if (!present) await newKey(tx);
      });
      rows = await db
        .select()
        .from(signingKeys)
        .where(inArray(signingKeys.status, ['active', 'verifying']));
    }
    const current = rows.find((r) => r.status === 'active');
    if (!current) throw new Error('The identity schema holds no active signing key.');
    const jwk = JSON.parse(box.open(current.privateJwk, context(current.kid)).toString('utf8')) as JWK;
    const privateKey = (await importJWK(jwk, signingAlgorithm)) as CryptoKey;
    cached = { at: Date.now(), active: { kid: current.kid, privateKey }, jwks: { keys: rows.map((r) => r.publicJwk as JWK) } };
    return cached;
  }

  const fresh = async () => (cached && Date.now() - cached.at < options.cacheMs ? cached : load());

  return {
    active: async () => (await fresh()).active,
    jwks: async () => (await fresh()).jwks,
    async rotate() {
      const result = await db.transaction(async (tx) => {
        await tx.execute(lock);
        const [previous] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.status, 'active'));
        await tx
          .update(signingKeys)
          .set({ status: 'verifying', deactivatedAt: sql`now()` })
          .where(eq(signingKeys.status, 'active'));
        // Keys that stopped signing longer ago than any token lives verify nothing any more.
        const margin = options.tokenLifetimeMs + 5 * 60_000;
        await tx
          .update(signingKeys)
          .set({ status: 'retired' })
          .where(and(eq(signingKeys.status, 'verifying'), lt(signingKeys.deactivatedAt, sql`now() - (${margin} * interval '1 millisecond')`)));
        return { kid: await newKey(tx), previous: previous?.kid };
      });
      cached = undefined;
      return result;
    },
    async list() {
      const rows = await db.select().from(signingKeys).orderBy(signingKeys.createdAt);
      return rows.map((r) => ({ kid: r.kid, status: r.status, createdAt: r.createdAt.toISOString(), deactivatedAt: r.deactivatedAt?.toISOString() ?? null }));
    },
  };
}
