import type { AuditLog } from '../../../platform/audit/index.ts';
import type { Db, Tx } from '../../../platform/db/index.ts';
import type { FieldEncryption } from '../../../platform/encryption/index.ts';
import type { Outbox } from '../../../platform/events/index.ts';
import type { KeyStore } from '../infrastructure/key-store.ts';

/** How identity issues tokens; from the host's configuration. */
export interface IdentitySettings {
  /** `iss` of every token, and what verifiers expect. */
  issuer: string;
  /** `aud` of every token: the system the tokens are for. */
  audience: string;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  /** How long a sign-in lasts however often it is refreshed: no refresh token outlives its family's start by more. */
  refreshTokenMaxAgeS: number;
  authorizationCodeTtlS: number;
  /** The resource-owner password grant, for the local demo only (RFC 9700 forbids it elsewhere). */
  passwordGrant: boolean;
  /** Module clients (`module:<name>`) prove themselves with HMAC-SHA256(key, name); unset: they cannot get tokens. */
  moduleClientKey: Uint8Array | undefined;
  /** The secret of the bootstrap client `cleave-admin` (client credentials, every scope); unset: no such client. */
  adminSecret?: string | undefined;
  /** scrypt cost of new password hashes. */
  passwordCost: { N: number; r: number; p: number };
}

export interface IdentityDeps {
  db: Db;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  keys: KeyStore;
  /** Seals users' personal fields with each user's data key (DATA_KEK wraps those), and their blind indexes. */
  fields: FieldEncryption;
  outbox: Outbox;
  /** Identity's audit trail: sign-ins, tokens issued or refused, refresh token reuse, key rotations. */
  audit: AuditLog;
  settings: IdentitySettings;
  /** Every scope a token may carry: the roles' and every scope the application's routes declare. */
  knownScopes: readonly string[];
  /** The modules of the build that erase on `identity.user-erased`, wherever they run: whose confirmations an erasure awaits. */
  erasureModules: readonly string[];
  /** The scopes a module's client may hold (those its calls need), or undefined for a module that does not exist. */
  moduleScopes(module: string): readonly string[] | undefined;
}
