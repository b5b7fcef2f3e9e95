import type { IdentityDeps } from './identity-deps.ts';

/**
 * Erases a user's personal data by shredding the user's data key: the sealed fields of the users row and every copy
 * in events (outbox, bus, dead letters) stop opening at once; readers see them as null (`erased`). The account row
 * itself stays (a later compliance change decides what else erasure removes). Returns whether there was a key.
 */
export function eraseUserData(deps: IdentityDeps, userId: string): Promise<boolean> {
  return deps.transaction((tx) => deps.fields.shred(tx, userId));
}
