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

/** An error's message, or a thrown value that is not an `Error` as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
