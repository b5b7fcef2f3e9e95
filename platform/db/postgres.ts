import { drizzle } from 'drizzle-orm/postgres-js';
import { isIP } from 'node:net';
import postgres from 'postgres';
import { redactUrl, type DatabaseHandle, type Db } from './database.ts';
import { instrument, queryTracing, type QueryTracing } from './query-spans.ts';

/** postgres.js adapter. TLS follows the URL's `sslmode`; with `ca`, TLS is required and the server verified against it. */
export function openPostgres(
  url: string,
  max: number,
  role?: string,
  timeouts?: { statementMs: number; idleInTransactionMs: number },
  ca?: string,
): DatabaseHandle {
  // `role` and the timeouts are sent as startup parameters, the same as `SET` for the whole session.
  const connection: Record<string, string> = {
    application_name: role ? `cleave:${role}` : 'cleave',
    ...(role ? { role } : {}),
    ...(timeouts ? { statement_timeout: String(timeouts.statementMs), idle_in_transaction_session_timeout: String(timeouts.idleInTransactionMs) } : {}),
  };
  const client = postgres(url, { max, onnotice: () => {}, connection, ...(ca === undefined ? {} : { ssl: verifiedTls(url, ca) }) });
  const traced = queryTracing();
  return {
    db: drizzle({ client: withQuerySpans(client, traced) }) as unknown as Db,
    kind: 'postgres',
    describe: `PostgreSQL ${redactUrl(url)}${role ? ` as ${role}` : ''}`,
    close: () => client.end({ timeout: 5 }),
    traceQueries: (tracing) => void (traced.tracing = tracing),
    observeQueries: (observe) => void (traced.observe = observe),
  };
}

/**
 * `sql` as drizzle should see it: `unsafe` (every statement drizzle sends, in and out of transactions) makes a span
 * when tracing is on. The span ends when the query settles; observing it here does not start it early, as
 * postgres.js runs a query a microtask after its first `then`, after drizzle's synchronous `.values()`.
 */
function withQuerySpans<T extends postgres.Sql | postgres.TransactionSql>(sql: T, traced: QueryTracing): T {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe')
        return (text: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) => {
          const query = target.unsafe(text, params as postgres.ParameterOrJSON<never>[], options);
          return instrument(traced, text, query);
        };
      if (prop === 'begin' && 'begin' in target)
        return (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: postgres.TransactionSql) => unknown;
          return (target.begin as (...a: unknown[]) => unknown)(...args.slice(0, -1), (tx: postgres.TransactionSql) => fn(withQuerySpans(tx, traced)));
        };
      if (prop === 'savepoint' && 'savepoint' in target)
        return (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: postgres.TransactionSql) => unknown;
          return (target.savepoint as (...a: unknown[]) => unknown)(...args.slice(0, -1), (tx: postgres.TransactionSql) => fn(withQuerySpans(tx, traced)));
        };
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * An `ssl` object takes precedence over the URL's sslmode. Node checks the chain and the name: postgres.js sends a
 * DNS name as `servername`, but not an IP address, and Node would then check the certificate against `localhost`, so
 * an IP address is named as `host`.
 */
function verifiedTls(url: string, ca: string): { ca: string; rejectUnauthorized: true; host?: string } {
  // A URL naming several hosts does not parse: those are names, sent as servername.
  const hostname = URL.canParse(url) ? new URL(url).hostname.replace(/^\[|\]$/g, '') : '';
  return { ca, rejectUnauthorized: true, ...(isIP(hostname) ? { host: hostname } : {}) };
}
