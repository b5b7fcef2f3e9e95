import { UserNotFound } from '../domain/errors.ts';
import { findUser } from '../infrastructure/identity-repository.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { openProfile, type Profile } from './user-profile.ts';

/**
 * Where to write to a user: the opened e-mail address and display name, for the module that sends messages
 * (notifications). Fields are null when none was given or once the user was erased (the key shredded), so an erased
 * customer is never written to; an unknown user is `identity/user-not-found`.
 */
export async function userContact(deps: IdentityDeps, userId: string): Promise<Profile & { userId: string }> {
  const user = await findUser(deps.db, userId);
  if (!user) throw new UserNotFound();
  return { userId: user.id, ...(await openProfile(deps, deps.db, user)) };
}
