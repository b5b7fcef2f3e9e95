import { clearEmailIndex } from '../infrastructure/identity-repository.ts';
import type { IdentityDeps } from './identity-deps.ts';

/**
 * Erases a user's personal data by shredding the user's data key: the sealed fields of the users row and every copy
 * in events (outbox, bus, dead letters) stop opening at once, and readers see them as null (`erased`); the e-mail
 * blind index goes too, so the address no longer finds the account. The account row itself stays (what else erasure
 * removes is the compliance change's to decide). Returns whether the user had a key.
 */
export function eraseUserData(deps: IdentityDeps, userId: string): Promise<boolean> {
  return deps.transaction(async (tx) => {
    await clearEmailIndex(tx, userId);
    return deps.fields.shred(tx, userId);
  });
}
