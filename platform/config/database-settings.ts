import type { ConfigProblem } from './load-config.ts';
import { connectionUrlProblem, postgresScheme } from './setting-values.ts';

/**
 * Settings whose absence picks an embedded stand-in (PGlite for a database, the in-process bus and no registry for
 * Redis) or turns a protection off (the TLS settings): with NODE_ENV=production an empty value (`DATABASE_URL=` from a
 * template whose variable was not set) is refused instead of being taken for unset, so a production host never
 * quietly keeps its data in a container's file system, or serves plain HTTP. Elsewhere empty counts as unset, as for
 * every setting.
 */
export function emptyInProduction(env: Record<string, string | undefined>): ConfigProblem[] {
  return Object.entries(env).flatMap(([variable, value]) => {
    if (value !== '') return [];
    const without = /^(?:(?:[A-Z][A-Z0-9_]*_)?DATABASE_URL|REDIS_URL)(?:_FILE)?$/.test(variable)
      ? variable.startsWith('REDIS')
        ? 'Redis: an in-process bus, no registry'
        : 'a database server: embedded PGlite in DATA_DIR'
      : tlsWithout[variable];
    if (without === undefined) return [];
    return [
      {
        variable,
        message: `is set but empty, which NODE_ENV=production does not take for unset (it would run without ${without}); give a value or remove the variable`,
      },
    ];
  });
}

/** The TLS settings whose absence turns a protection off: an empty one in production is a template left unfilled. */
const tlsWithout: Record<string, string> = {
  TLS_CERT_FILE: 'TLS: plain HTTP',
  TLS_KEY_FILE: 'TLS: plain HTTP',
  TLS_CLIENT_CA_FILE: 'mutual TLS: any client connects',
  TLS_REQUIRE_CLIENT_CERT: 'the client certificate it asks for',
  REMOTE_REQUIRE_TLS: 'refusing http:// remote modules',
  REMOTE_CA_FILE: 'its CA: remote modules verified against the system CAs',
  REMOTE_CLIENT_CERT_FILE: 'a client certificate: mutual-TLS modules refuse its calls',
  REMOTE_CLIENT_KEY_FILE: 'a client certificate: mutual-TLS modules refuse its calls',
  REDIS_CA_FILE: 'its CA: Redis verified against the system CAs',
  DATABASE_CA_FILE: 'its CA: PostgreSQL not verified with it',
};

/** `INVENTORY_DATABASE_URL=…` → `{ inventory: … }`; module names with dashes use underscores (`ORDER_HISTORY_…`). */
export function moduleDatabaseUrls(env: Record<string, string | undefined>, problems: ConfigProblem[]): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z][A-Z0-9_]*)_DATABASE_URL$/.exec(key);
    if (!match?.[1] || value === undefined) continue;
    const problem = postgresScheme.test(value) ? connectionUrlProblem(value) : 'must be a postgres:// or postgresql:// URL';
    if (problem) problems.push({ variable: key, message: problem });
    else urls[match[1].toLowerCase().replaceAll('_', '-')] = value;
  }
  return urls;
}
