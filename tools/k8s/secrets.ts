import { classifiedColumns } from '../../platform/compliance/index.ts';
import { variablePrefix, type Deployable, type K8sModule } from './model.ts';

/** One key of a named Secret, mounted as a file and read through `<VARIABLE>_FILE`. */
export interface SecretKey {
  secret: string;
  key: string;
  /** The setting it fills, read from the file by `platform/config` (`<variable>_FILE`). */
  variable: string;
  /** What to put in it, for the docs and the manifests' comments. */
  holds: string;
}

/** Where a Secret's keys appear inside the container. */
export const secretPath = (s: Pick<SecretKey, 'secret' | 'key'>) => `/run/secrets/${s.secret}/${s.key}`;

/** The Secret with a module's own database URL: the module role's user and password, nothing more. */
export function moduleDatabaseSecret(module: string): SecretKey {
  return {
    secret: `cleave-db-${module}`,
    key: 'url',
    variable: `${variablePrefix(module)}_DATABASE_URL`,
    holds: `postgres://cleave_${module.replaceAll('-', '_')}:<password>@<host>:5432/<database>: the module role's login (the admin Job creates the role with this password)`,
  };
}

export const adminDatabaseSecret: SecretKey = {
  secret: 'cleave-db-admin',
  key: 'url',
  variable: 'DATABASE_URL',
  holds: 'postgres://<admin>:<password>@<host>:5432/postgres: a user with CREATEDB and CREATEROLE; only the admin Job mounts it',
};

const holdsEncrypted = (m: K8sModule) => classifiedColumns(m.data).some((c) => c.data.protection === 'encrypted');

/**
 * The Secrets a deployable mounts: each hosted module's database login, Redis, and, by what it hosts, identity's keys,
 * the data key-encryption key (modules with encrypted columns) or each module's client secret (hosts without identity).
 */
export function secretsOf(d: Deployable): SecretKey[] {
  const hostsIdentity = d.modules.some((m) => m.name === 'identity');
  return [
    ...d.modules.map((m) => moduleDatabaseSecret(m.name)),
    { secret: 'cleave-redis', key: 'url', variable: 'REDIS_URL', holds: 'redis://[:<password>@]<host>:6379: events (BullMQ), rate limits, shared state' },
    ...(hostsIdentity
      ? [
          { secret: 'cleave-identity', key: 'kek', variable: 'IDENTITY_KEK', holds: 'the key-encryption key of the signing keys: openssl rand -base64 32' },
          {
            secret: 'cleave-identity',
            key: 'module-client-key',
            variable: 'MODULE_CLIENT_KEY',
            holds: "identity derives every module's client secret from it: openssl rand -base64 32",
          },
          // Production creates no demo users: this client is how a fresh deployment gets its first (operator) token.
          {
            secret: 'cleave-identity',
            key: 'admin-secret',
            variable: 'IDENTITY_ADMIN_SECRET',
            holds: 'the secret of the bootstrap client cleave-admin (every scope), for the first token: openssl rand -base64 32',
          },
        ]
      : d.modules.map((m) => ({
          secret: `cleave-client-${m.name}`,
          key: 'secret',
          variable: `${variablePrefix(m.name)}_CLIENT_SECRET`,
          holds: `${m.name}'s own client secret: npm run keys:module-secret -- ${m.name}, run with MODULE_CLIENT_KEY`,
        }))),
    // Every replica of a deployable seals the operations page's session cookies with the same key.
    {
      secret: 'cleave-ops',
      key: 'session-key',
      variable: 'OPS_SESSION_KEY',
      holds: "the key sealing the operations page's session cookies: openssl rand -base64 32",
    },
    ...(d.modules.some(holdsEncrypted)
      ? [{ secret: 'cleave-data-kek', key: 'kek', variable: 'DATA_KEK', holds: 'the key-encryption key of personal data at rest: openssl rand -base64 32' }]
      : []),
  ];
}
