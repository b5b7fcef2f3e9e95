import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ConfigProblem } from './load-config.ts';
import { whenValid } from './partial-environment.ts';
import type { environmentSchema } from './schema.ts';
import { moduleClientSecretVariable } from './secret-files.ts';

/** A key-encryption key: seals the identity module's private signing keys at rest. */
export interface KeyEncryptionKeyConfig {
  id: string;
  key: Uint8Array;
}

/** How the identity module issues tokens and keeps its keys. */
export interface IdentityConfig {
  /** `iss` of every token and the base of the metadata document: the public origin clients reach the API at. */
  issuer: string;
  /** `aud` of every access token. */
  audience: string;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  /** A sign-in's refresh tokens stop at its start + this, however often they are rotated. */
  refreshTokenMaxAgeMs: number;
  /**
   * Keys that seal private signing keys; the first seals, all open. `undefined` in production when none is set (the
   * identity module then refuses to start); the development default elsewhere, which `kekSource` says.
   */
  kek: KeyEncryptionKeyConfig[] | undefined;
  kekSource: 'IDENTITY_KEK' | 'IDENTITY_KEK_FILE' | 'development-default' | 'none';
  /** The resource-owner password grant: only for a local demo, never with NODE_ENV=production. */
  passwordGrant: boolean;
  /** How long a new signing key is published in the JWKS before it signs, so remote verifiers see it first. */
  keyActivationDelayMs: number;
  /** How long a replica reuses the key set it read. */
  keyCacheMs: number;
  /** scrypt cost (N) of new password hashes. */
  passwordScryptN: number;
  /**
   * Proves a module's own client (`module:<name>`) to the token endpoint: its secret is HMAC-SHA256(key, name). Hosts
   * derive the secrets of the modules they run; the identity module checks them. The development default in
   * development and tests (public, so it protects nothing); unset in production unless configured (modules in other
   * processes then call each other without a service identity, and routes restricted to modules refuse them).
   */
  moduleClientKey: Uint8Array | undefined;
  moduleClientKeySource: 'MODULE_CLIENT_KEY' | 'MODULE_CLIENT_KEY_FILE' | 'development-default' | 'none';
  /**
   * `<MODULE>_CLIENT_SECRET` (or `_FILE`): a module's own secret, used instead of deriving it from `moduleClientKey`.
   * An extracted module's host gets only its own, so a compromised host cannot act as another module.
   */
  moduleClientSecrets: Record<string, string>;
  /** The secret of the bootstrap client `cleave-admin` (client credentials, every scope); unset: no such client. */
  adminSecret: string | undefined;
}

/** The module client key development uses when none is configured: public knowledge. Refused in production. */
export const developmentModuleClientKey: Uint8Array = createHash('sha256').update('cleave development module client key: not a secret').digest();

/** `MODULE_CLIENT_KEY`: 32 bytes in base64 or base64url. */
export function parseModuleClientKey(value: string, problems: ConfigProblem[], variable = 'MODULE_CLIENT_KEY'): Uint8Array | undefined {
  const key = base64.test(value.trim()) ? Buffer.from(value.trim(), 'base64') : Buffer.alloc(0);
  if (key.length === 32) return key;
  problems.push({ variable, message: `must be 32 random bytes in base64 (openssl rand -base64 32), not ${key.length} bytes` });
  return undefined;
}

/** The key development uses when none is configured: public knowledge, so it protects nothing. Refused in production. */
export const developmentKek: KeyEncryptionKeyConfig = {
  id: 'dev',
  key: createHash('sha256').update('cleave development key-encryption key: not a secret').digest(),
};

const base64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * `IDENTITY_KEK` (or `DATA_KEK`, named by `variable`): `<key>` or `<id>:<key>[,<id>:<key>...]`, each key 32 bytes in
 * base64 or base64url.
 */
export function parseKeks(value: string, problems: ConfigProblem[], variable = 'IDENTITY_KEK'): KeyEncryptionKeyConfig[] {
  const keys: KeyEncryptionKeyConfig[] = [];
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  parts.forEach((part, index) => {
    const colon = part.indexOf(':');
    const id = colon < 0 ? `kek${index + 1}` : part.slice(0, colon);
    const text = colon < 0 ? part : part.slice(colon + 1);
    const key = base64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
    if (!/^[\w-]{1,32}$/.test(id)) problems.push({ variable, message: `key ${index + 1}: the id must be 1-32 letters, digits, - or _` });
    else if (key.length !== 32)
      problems.push({ variable, message: `key ${id}: must be 32 random bytes in base64 (openssl rand -base64 32), not ${key.length} bytes` });
    else if (keys.some((k) => k.id === id)) problems.push({ variable, message: `key id ${id} appears twice` });
    else keys.push({ id, key });
  });
  if (parts.length === 0) problems.push({ variable, message: 'names no key' });
  return keys;
}

/** The identity settings, with the checks across them (token lifetimes, what production refuses). */
export function identitySettings(e: z.output<typeof environmentSchema>, set: Record<string, string>, problems: ConfigProblem[]): IdentityConfig {
  const production = whenValid(() => e.NODE_ENV === 'production') ?? false;
  whenValid(() => {
    if (e.IDENTITY_PASSWORD_GRANT && production) {
      problems.push({ variable: 'IDENTITY_PASSWORD_GRANT', message: 'the password grant is for local demos and refused with NODE_ENV=production (RFC 9700)' });
    }
  });
  whenValid(() => {
    if (e.ACCESS_TOKEN_TTL > 3_600_000) problems.push({ variable: 'ACCESS_TOKEN_TTL', message: 'must be at most 1h: access tokens cannot be revoked' });
  });
  whenValid(() => {
    if (e.REFRESH_TOKEN_TTL <= e.ACCESS_TOKEN_TTL) problems.push({ variable: 'REFRESH_TOKEN_TTL', message: 'must be longer than ACCESS_TOKEN_TTL' });
  });
  whenValid(() => {
    if (e.REFRESH_TOKEN_MAX_AGE < e.REFRESH_TOKEN_TTL)
      problems.push({
        variable: 'REFRESH_TOKEN_MAX_AGE',
        message: 'must be at least REFRESH_TOKEN_TTL: a sign-in lasts at least as long as one refresh token',
      });
  });
  whenValid(() => {
    if (production && e.PASSWORD_SCRYPT_N < 2 ** 15)
      problems.push({ variable: 'PASSWORD_SCRYPT_N', message: 'must be at least 32768 with NODE_ENV=production' });
  });
  const kek = e.IDENTITY_KEK === undefined ? (production ? undefined : [developmentKek]) : parseKeks(e.IDENTITY_KEK, problems);
  const kekSource = e.IDENTITY_KEK === undefined ? (production ? 'none' : 'development-default') : set.IDENTITY_KEK_FILE ? 'IDENTITY_KEK_FILE' : 'IDENTITY_KEK';
  const moduleClientKey =
    e.MODULE_CLIENT_KEY === undefined ? (production ? undefined : developmentModuleClientKey) : parseModuleClientKey(e.MODULE_CLIENT_KEY, problems);
  return {
    issuer:
      e.IDENTITY_ISSUER ??
      (e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : `${e.TLS_CERT_FILE ? 'https' : 'http'}://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`),
    audience: e.IDENTITY_AUDIENCE,
    accessTokenTtlMs: e.ACCESS_TOKEN_TTL,
    refreshTokenTtlMs: e.REFRESH_TOKEN_TTL,
    refreshTokenMaxAgeMs: e.REFRESH_TOKEN_MAX_AGE,
    kek,
    kekSource,
    passwordGrant: (e.IDENTITY_PASSWORD_GRANT ?? false) && !production,
    keyActivationDelayMs: e.IDENTITY_KEY_ACTIVATION_DELAY,
    keyCacheMs: e.IDENTITY_KEY_CACHE,
    passwordScryptN: e.PASSWORD_SCRYPT_N,
    moduleClientKey,
    moduleClientKeySource:
      e.MODULE_CLIENT_KEY === undefined
        ? production
          ? 'none'
          : 'development-default'
        : set.MODULE_CLIENT_KEY_FILE
          ? 'MODULE_CLIENT_KEY_FILE'
          : 'MODULE_CLIENT_KEY',
    adminSecret: e.IDENTITY_ADMIN_SECRET,
    moduleClientSecrets: {},
  };
}

/**
 * `INVENTORY_CLIENT_SECRET=…` → `{ inventory: … }`: a module's own client secret (the identity host's
 * `npm run keys:module-secret -- inventory` prints it), so a host running only that module needs no key that would
 * let it derive the other modules' secrets. Only for modules this host runs.
 */
export function moduleClientSecrets(
  env: Record<string, string>,
  modules: readonly string[] | undefined,
  remote: Record<string, unknown>,
  problems: ConfigProblem[],
): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = moduleClientSecretVariable.exec(key);
    if (!match?.[1]) continue;
    const module = match[1].toLowerCase().replaceAll('_', '-');
    if ((modules !== undefined && !modules.includes(module)) || module in remote)
      problems.push({ variable: key, message: `${module} does not run on this host (MODULES, REMOTE_MODULES): give a module's secret only to its host` });
    else if (value.trim().length < 32)
      problems.push({
        variable: key,
        message: `must be the module's secret from npm run keys:module-secret -- ${module} (43 characters), not ${value.trim().length} characters`,
      });
    else secrets[module] = value.trim();
  }
  return secrets;
}
