import { randomUUID } from 'node:crypto';
import { isNull, sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import type { Db, Executor, Tx } from '../../../platform/db/index.ts';
import type { SecretBox } from '../../../platform/security/index.ts';
import { signingKeys } from './schema.ts';

export const signingAlgorithm = 'ES256';

export interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

/** A signing key as operators see it; never its private half. */
export interface SigningKeyInfo {
  kid: string;
  alg: string;
  /** `next`: published, not signing yet; `active`: signs; `verifying`: superseded, verifies what it signed; `retired`. */
  status: 'next' | 'active' | 'verifying' | 'retired';
  createdAt: string;
  signsFrom: string;
  retiredAt: string | null;
}

export interface KeyStore {
  /** The key new tokens are signed with; made on first use when the identity schema has none. */
  active(): Promise<ActiveKey>;
  /** Public keys that verify: the next, the active, and those superseded within a token lifetime. */
  jwks(): Promise<JSONWebKeySet>;
  /**
   * A new key, published at once, signing after the activation delay; the previous one keeps verifying until its
   * tokens have expired. Keys superseded longer ago than that are retired and their private halves erased.
   */
  rotate(within?: (tx: Tx, rotation: Rotation) => Promise<unknown>): Promise<Rotation>;
  list(): Promise<SigningKeyInfo[]>;
  /** Every public key ever made, retired ones too: what verifies old signatures (the audit trail's checkpoints). */
  history(): Promise<JSONWebKeySet>;
}

/** A rotation's outcome; `within` (the audit entry) commits with it. */
export interface Rotation {
  kid: string;
  previous: string | undefined;
  signsFrom: string;
}

export interface KeyStoreOptions {
  db: Db;
  box: SecretBox;
  /** Longest an access token lives: a superseded key verifies this long (plus a margin), then it is retired. */
  tokenLifetimeMs: number;
  /** How long a replica reuses what it read, so a rotation on another replica is seen within this. */
  cacheMs: number;
  /** How long a new key is published before it signs (at least any verifier's key set cache cool-down). */
  activationDelayMs?: number;
}

type Row = typeof signingKeys.$inferSelect;

const lock = sql`select pg_advisory_xact_lock(hashtext('cleave:identity:signing-keys'))`;
// Clock skew between replicas and verifiers, on top of the token lifetime.
const retireMarginMs = 5 * 60_000;

/** Keys in signing order; `now`'s signer is the last whose time has come. */
function signerOf(rows: readonly Row[], now: number): Row | undefined {
  return rows.filter((r) => r.signsFrom.getTime() <= now).at(-1);
}

function statusOf(rows: readonly Row[], row: Row, now: number): SigningKeyInfo['status'] {
  if (row.retiredAt) return 'retired';
  if (row.signsFrom.getTime() > now) return 'next';
  return signerOf(rows, now)?.kid === row.kid ? 'active' : 'verifying';
}

const bySigningOrder = (a: Row, b: Row) => a.signsFrom.getTime() - b.signsFrom.getTime() || a.createdAt.getTime() - b.createdAt.getTime();

/**
 * Signing keys live in the identity schema, the private half sealed with the key-encryption key, so every replica
 * signs with the same keys and a rotation needs no restart. A new key is published in the JWKS before it signs
 * (`activationDelayMs`), so verifiers that cache the key set already hold it when its first token arrives. Creating
 * and rotating run under an advisory lock, so replicas starting at once make one key.
 */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const { db, box } = options;
  const delay = options.activationDelayMs ?? 0;
  let cached: { at: number; rows: Row[] } | undefined;
  const imported = new Map<string, Promise<CryptoKey>>();
  const context = (kid: string) => `identity/signing-key/${kid}`;

  async function newKey(tx: Executor, signsFrom: Date): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: signingAlgorithm, use: 'sig' };
    const sealed = box.seal(JSON.stringify(await exportJWK(privateKey)), context(kid));
    await tx.insert(signingKeys).values({ kid, alg: signingAlgorithm, publicJwk, privateJwk: sealed, signsFrom });
    return kid;
  }

  const liveRows = async () => (await db.select().from(signingKeys).where(isNull(signingKeys.retiredAt))).sort(bySigningOrder);

  async function load(): Promise<Row[]> {
    let rows = await liveRows();
    if (!signerOf(rows, Date.now())) {
      // None signs yet (a first start): make one that signs at once. Under the lock, so concurrent starts make one.
      await db.transaction(async (tx) => {
        await tx.execute(lock);
        const present = (await tx.select().from(signingKeys).where(isNull(signingKeys.retiredAt))).sort(bySigningOrder);
        if (!signerOf(present, Date.now())) await newKey(tx, new Date());
      });
      rows = await liveRows();
    }
    cached = { at: Date.now(), rows };
    return rows;
  }

  const fresh = async () => (cached && Date.now() - cached.at < options.cacheMs ? cached.rows : load());

  function privateKeyOf(row: Row): Promise<CryptoKey> {
    let key = imported.get(row.kid);
    if (!key) {
      if (!row.privateJwk) throw new Error(`Signing key ${row.kid} has no private half.`);
      const jwk = JSON.parse(box.open(row.privateJwk, context(row.kid)).toString('utf8')) as JWK;
      key = importJWK(jwk, signingAlgorithm) as Promise<CryptoKey>;
      imported.set(row.kid, key);
    }
    return key;
  }

  return {
    async active() {
      let current = signerOf(await fresh(), Date.now());
      if (!current) current = signerOf(await load(), Date.now());
      if (!current) throw new Error('The identity schema holds no signing key.');
      return { kid: current.kid, privateKey: await privateKeyOf(current) };
    },
    jwks: async () => ({ keys: (await fresh()).map((r) => r.publicJwk as JWK) }),
    async rotate(within) {
      const result = await db.transaction(async (tx) => {
        await tx.execute(lock);
        const now = Date.now();
        const rows = (await tx.select().from(signingKeys).where(isNull(signingKeys.retiredAt))).sort(bySigningOrder);
        // A key is superseded when the next one starts signing; it verifies a token lifetime (and a margin) longer.
        const keep = options.tokenLifetimeMs + retireMarginMs;
        for (const [i, row] of rows.entries()) {
          const next = rows[i + 1];
          if (next && next.signsFrom.getTime() + keep < now) {
            await tx
              .update(signingKeys)
              .set({ retiredAt: new Date(now), privateJwk: null })
              .where(sql`${signingKeys.kid} = ${row.kid}`);
          }
        }
        // With no key signing yet, no verifier can be behind: the first key signs at once.
        const signsFrom = new Date(signerOf(rows, now) ? now + delay : now);
        const rotation = { kid: await newKey(tx, signsFrom), previous: signerOf(rows, now)?.kid, signsFrom: signsFrom.toISOString() };
        await within?.(tx, rotation);
        return rotation;
      });
      cached = undefined;
      return result;
    },
    history: async () => ({ keys: (await db.select().from(signingKeys).orderBy(signingKeys.createdAt)).map((r) => r.publicJwk as JWK) }),
    async list() {
      const rows = (await db.select().from(signingKeys)).sort(bySigningOrder);
      const live = rows.filter((r) => !r.retiredAt);
      const now = Date.now();
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        status: statusOf(live, r, now),
        createdAt: r.createdAt.toISOString(),
        signsFrom: r.signsFrom.toISOString(),
        retiredAt: r.retiredAt?.toISOString() ?? null,
      }));
    },
  };
}
