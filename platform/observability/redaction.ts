import { pino } from 'pino';

/**
 * Fields whose values are secrets wherever they sit in a log line: credentials in headers, OAuth parameters,
 * passwords, keys. Matched at the top of the line and one or two levels down (`headers.authorization`,
 * `req.headers.cookie`, `body.client_secret`).
 */
const secretKeys = [
  'authorization',
  'cookie',
  'set-cookie',
  'cleave-on-behalf-of',
  'password',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'code_verifier',
  'token',
  'secret',
  'adminSecret',
  'moduleClientKey',
  'moduleClientSecrets',
] as const;

const key = (k: string) => (/^[A-Za-z_]\w*$/.test(k) ? `.${k}` : `["${k}"]`);

/**
 * pino `redact` paths: every secret key at depths 0 to 2, and the keys and URLs of a logged configuration (`kek`
 * alone is left readable: lines name the KEK's source, `{ kek: 'development-default' }`).
 */
export const redactPaths: string[] = [
  ...secretKeys.flatMap((k) => [key(k).replace(/^\./, ''), `*${key(k)}`, `*.*${key(k)}`]),
  'identity.kek',
  'config.identity.kek',
  'dataEncryption.kek',
  'config.dataEncryption.kek',
  'config.database.url',
  'config.database.moduleUrls',
  'config.redis.url',
];

const secretKeySet = new Set<string>(secretKeys.map((k) => k.toLowerCase()));

/** `postgres://app:pa55@db/x` → `postgres://app:[redacted]@db/x`: the password of every URL in `text` masked. */
export function stripUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#@]*@/gi, '$1:[redacted]@');
}

/**
 * pino's error serializer, then every string in the result with URL passwords masked, and every secret-named field
 * and bound query parameter redacted: errors of drivers and HTTP clients may carry the URL they failed on, or the
 * values they sent.
 */
export function serializeError(error: unknown): unknown {
  const serialized = error instanceof Error ? pino.stdSerializers.err(error) : error;
  return scrub(serialized, 0);
}

/** Fields of a logged error that hold what a query or request carried: a password hash, a token's digest. */
const payloadKeys = new Set(['params', 'parameters']);

function scrub(value: unknown, depth: number): unknown {
  // drizzle's `Failed query: …\nparams: …` message quotes the bound values; the query text stays.
  if (typeof value === 'string') return stripUrlCredentials(value).replace(/^params: .*$/gm, 'params: [redacted]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = secretKeySet.has(k.toLowerCase()) || payloadKeys.has(k) ? '[redacted]' : scrub(v, depth + 1);
  return out;
}
