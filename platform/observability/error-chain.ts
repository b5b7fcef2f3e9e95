/**
 * The error and its causes, outermost first (`error.cause`, then its cause…), at most `limit` of them: what a message
 * for a person is built from, since a wrapper (drizzle's "Failed query: …") often holds the reason only in its cause.
 * A cause that is not an `Error` ends the chain, as itself.
 */
export function errorChain(error: unknown, limit = 8): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; chain.length < limit && current !== undefined && current !== null; current = (current as Error).cause) {
    chain.push(current);
    if (!(current instanceof Error)) break;
  }
  return chain;
}

/**
 * Why `error` happened, from its causes (not the error itself), innermost last, each with its code where it has one:
 * `fetch failed: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)`. For one-line warnings whose
 * own message says what failed, not why (a module that could not be reached). Undefined without a cause.
 */
export function causesOf(error: unknown): string | undefined {
  const causes = errorChain(error).slice(1);
  if (causes.length === 0) return undefined;
  return causes
    .map((cause) => {
      const code = (cause as { code?: unknown }).code;
      return typeof code === 'string' && code !== '' ? `${messageOf(cause)} (${code})` : messageOf(cause);
    })
    .join(': ');
}

/** An error's message, or a thrown value that is not an `Error` as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
