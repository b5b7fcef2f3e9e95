import { ConfigError, type Config, type ConfigProblem } from '../../../platform/config/index.ts';
import type { Db } from '../../../platform/db/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { createFieldEncryption, type FieldEncryption } from '../../../platform/encryption/index.ts';
import { createSecretBox } from '../../../platform/security/index.ts';
import { userErased } from '../contract/events.ts';
import type { IdentityDeps } from '../application/identity-deps.ts';
import { knownScopes } from '../domain/scopes.ts';
import { createKeyStore, type KeyStore } from './key-store.ts';
import { dataKeys } from './schema.ts';

/** Identity's dependencies in a host. (Its protected operations are checked by the platform, like every module's.) */
export interface IdentityRuntime {
  deps: IdentityDeps;
}

const runtimes = new WeakMap<ModuleContext, IdentityRuntime>();

const missingIdentityKek: ConfigProblem = {
  variable: 'IDENTITY_KEK',
  message: 'required with NODE_ENV=production: it seals the signing keys (set it, or IDENTITY_KEK_FILE)',
};
const missingDataKek: ConfigProblem = {
  variable: 'DATA_KEK',
  message: 'required with NODE_ENV=production: it wraps the keys of personal data (set it, or DATA_KEK_FILE)',
};

/** The key-encryption keys identity cannot run without (unset only in production): checked before any database opens. */
export function identityRequiredSettings(config: Config): ConfigProblem[] {
  return [...(config.identity.kek ? [] : [missingIdentityKek]), ...(config.dataEncryption.kek ? [] : [missingDataKek])];
}

/** The signing keys in `db`, sealed with the configured key-encryption key; refused without one (production). */
export function identityKeyStore(config: Config, db: Db): KeyStore {
  const identity = config.identity;
  if (!identity.kek) throw new ConfigError([missingIdentityKek]);
  return createKeyStore({
    db,
    box: createSecretBox(identity.kek),
    tokenLifetimeMs: identity.accessTokenTtlMs,
    cacheMs: identity.keyCacheMs,
    activationDelayMs: identity.keyActivationDelayMs,
  });
}

/** Identity's personal fields, sealed with per-user data keys wrapped by DATA_KEK; refused without one (production). */
export function identityFieldEncryption(config: Config): FieldEncryption {
  const { kek } = config.dataEncryption;
  if (!kek) throw new ConfigError([missingDataKek]);
  return createFieldEncryption(dataKeys, createSecretBox(kek));
}

/**
 * Builds (once per module context) what identity's use cases need from the host's configuration. Refuses to start in
 * production without a key-encryption key, and says loudly when the development default seals the keys.
 */
export function identityRuntime(ctx: ModuleContext): IdentityRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const config = ctx.config.identity;
  const keys = identityKeyStore(ctx.config, ctx.db);
  const fields = identityFieldEncryption(ctx.config);
  if (ctx.config.dataEncryption.kekSource === 'development-default') {
    ctx.log.warn(
      { dataKek: 'development-default' },
      'DATA_KEK is not set: personal data is encrypted under the development default key, which protects nothing (refused with NODE_ENV=production)',
    );
  }
  if (config.kekSource === 'development-default') {
    ctx.log.warn(
      { kek: 'development-default' },
      'IDENTITY_KEK is not set: signing keys are sealed with the development default key, which protects nothing (refused with NODE_ENV=production)',
    );
  }
  if (config.moduleClientKeySource === 'development-default') {
    ctx.log.warn(
      { moduleClientKeySource: 'development-default' },
      "MODULE_CLIENT_KEY is not set: the modules' client secrets derive from the public development key, so anyone who can reach this host can get a module's token (refused with NODE_ENV=production)",
    );
  }
  if (config.passwordGrant) ctx.log.warn('the password grant is enabled (IDENTITY_PASSWORD_GRANT): for local demos only');
  const deps: IdentityDeps = {
    db: ctx.db,
    transaction: ctx.transaction,
    keys,
    fields,
    outbox: ctx.outbox,
    audit: ctx.audit,
    settings: {
      issuer: config.issuer,
      audience: config.audience,
      accessTokenTtlS: Math.round(config.accessTokenTtlMs / 1000),
      refreshTokenTtlS: Math.round(config.refreshTokenTtlMs / 1000),
      refreshTokenMaxAgeS: Math.round(config.refreshTokenMaxAgeMs / 1000),
      authorizationCodeTtlS: 60,
      passwordGrant: config.passwordGrant && ctx.config.env !== 'production',
      moduleClientKey: config.moduleClientKey,
      adminSecret: config.adminSecret,
      passwordCost: { N: config.passwordScryptN, r: 8, p: 1 },
    },
    // Any module of the application may have a client: its secret is derived from the module client key, which only
    // the application's hosts hold. Module tokens carry no scopes; routes name the modules they accept.
    knownScopes: [...new Set([...knownScopes, ...ctx.scopes])].sort(),
    erasureModules: ctx.consumersOf(userErased.name),
    moduleScopes: (module) => (/^[a-z][a-z0-9-]{0,62}$/.test(module) ? [] : undefined),
  };
  // Expired refresh tokens and authorization codes are deleted by identity's retention job (a day past expires_at,
  // declared in module.ts), like every module's expired rows.
  const runtime: IdentityRuntime = { deps };
  runtimes.set(ctx, runtime);
  return runtime;
}
