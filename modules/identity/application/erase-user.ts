import { uuidv7 } from '../../../platform/db/index.ts';
import { endUserOf, type Principal } from '../../../platform/security/index.ts';
import { userErased } from '../contract/events.ts';
import { ErasureNotFound, UserNotFound, UserTokenRequired } from '../domain/errors.ts';
import { anonymiseUser, erasedUsername, findErasure, recordErasure, revokeUserGrants, scrubUserEvents } from '../infrastructure/erasure-repository.ts';
import { findUser } from '../infrastructure/identity-repository.ts';
import type { IdentityDeps } from './identity-deps.ts';

export interface Erasure {
  id: string;
  userId: string;
  requestedBy: string;
  requestedAt: Date;
}

/**
 * Erases a user's account, in one transaction: records the request, shreds the user's data key (every sealed copy of
 * their fields, in rows, outbox, bus and dead letters, stops opening), anonymises the users row (the plain username
 * too), revokes their refresh tokens, replaces the username in identity's own event copies, and publishes `identity.user-erased` so every other module erases its copies.
 * Asking again for an erased user answers the first erasure and publishes nothing.
 */
export async function eraseUser(deps: IdentityDeps, userId: string, requestedBy: string): Promise<Erasure> {
  return deps.transaction(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user) throw new UserNotFound();
    const { erasure, created } = await recordErasure(tx, { id: uuidv7(), userId, requestedBy });
    if (!created) return erasure;
    await deps.fields.shred(tx, userId);
    await anonymiseUser(tx, userId, erasedUsername(erasure.id));
    await revokeUserGrants(tx, userId);
    await scrubUserEvents(tx, userId, erasedUsername(erasure.id));
    await deps.outbox.publish(tx, userErased, { userId, erasureId: erasure.id });
    // The audit chain is append-only: it names the account by its id only.
    await deps.audit.record(tx, { action: 'identity.user-erased', target: userId, outcome: 'success', detail: { erasureId: erasure.id, requestedBy } });
    return erasure;
  });
}

/** The signed-in user erasing their own account. */
export function eraseSelf(deps: IdentityDeps, principal: Principal | undefined): Promise<Erasure> {
  const user = endUserOf(principal);
  if (user?.kind !== 'user') throw new UserTokenRequired();
  return eraseUser(deps, user.subject, 'user');
}

/** An operator erasing an account. */
export function eraseAccount(deps: IdentityDeps, principal: Principal | undefined, userId: string): Promise<Erasure> {
  return eraseUser(deps, userId, `operator:${principal?.subject ?? 'unknown'}`);
}

export async function getErasure(deps: IdentityDeps, id: string): Promise<Erasure> {
  const erasure = await findErasure(deps.db, id);
  if (!erasure) throw new ErasureNotFound();
  return erasure;
}
