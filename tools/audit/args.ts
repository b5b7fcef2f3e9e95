/** What `npm run audit` was asked to do, checked before anything is opened or sent. */
export interface AuditCommand {
  action: 'verify';
  /** One module; every module of the application (or the host) when absent. */
  module?: string;
  /** A running host to ask (`GET /ops/audit/verify`); without it, the databases are read directly. */
  url?: string;
  /** A JWK set file to verify checkpoints with, instead of identity's key history in its database. */
  jwks?: string;
  /** The embedded PGlite database is read although a host may own it: only when the host is stopped. */
  offline: boolean;
}

export const usage = `usage: npm run audit -- verify [--module <m>] [--url <host URL> | --offline] [--jwks <file>]
  verify   walks each module's audit chain and its signed checkpoints; reports the first tampered or missing
           entry (exit 1), or the counts when every chain is intact (exit 0)
  --url    ask a running host (GET /ops/audit/verify, CLEAVE_TOKEN: an operator access token); without it the
           command reads the databases of DATABASE_URL / <MODULE>_DATABASE_URL (or embedded PGlite with --offline)
  --jwks   verify checkpoints against this JWK set file (an archived copy of identity's keys) instead of identity's
           key history in its database`;

/** Checks the parsed options; throws a readable message. */
export function toCommand(positionals: string[], values: Record<string, string | boolean | undefined>, known: readonly string[]): AuditCommand {
  const [action, ...extra] = positionals;
  if (action !== 'verify') throw new Error('name one action: verify');
  if (extra.length > 0) throw new Error(`verify takes no arguments after it (${extra.map((e) => `"${e}"`).join(' ')}): name a module with --module`);
  const command: AuditCommand = { action, offline: values.offline === true };
  if (typeof values.module === 'string') {
    if (!known.includes(values.module)) throw new Error(`unknown module ${values.module}; modules: ${known.join(', ')}`);
    command.module = values.module;
  }
  if (typeof values.url === 'string') {
    if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(values.url)) throw new Error('--url must be the http(s) address of a Cleave host');
    command.url = values.url.replace(/\/+$/, '');
  }
  if (typeof values.jwks === 'string') command.jwks = values.jwks;
  if (command.url && (command.jwks || command.offline)) throw new Error('--url asks the host, which verifies with its own keys: drop --jwks and --offline');
  return command;
}
