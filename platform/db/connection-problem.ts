/** Errors that say the database itself is out of reach or absent, not that a statement failed. */
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'CONNECT_TIMEOUT',
  // invalid_catalog_name (no such database), invalid_password, invalid_authorization_specification
  '3D000',
  '28P01',
  '28000',
]);

/**
 * Why a database could not be reached or opened, in one line (`connect ECONNREFUSED 127.0.0.1:1`,
 * `database "shop" does not exist`), found anywhere in the error's cause chain; `undefined` for any other error.
 * Callers add which setting to check: the driver does not know it.
 */
export function connectionProblem(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && connectionCodes.has(code)) return e.message.split('\n')[0];
  }
  return undefined;
}

/** Whether the error says the database named in the URL does not exist (SQLSTATE 3D000). */
export function isMissingDatabase(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if ((e as { code?: unknown }).code === '3D000') return true;
  return false;
}
