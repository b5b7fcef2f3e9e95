import type { Principal } from '../../../platform/security/index.ts';
import { UserNotFound, UserTokenRequired } from '../domain/errors.ts';
import { findUser, findUserByEmailIndex } from '../infrastructure/identity-repository.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { registerUser } from './register-user.ts';
import { emailIndexOf, openProfile } from './user-profile.ts';

/** The signed-in user: who the token's subject is, with the scopes this token carries. */
export async function currentUser(deps: IdentityDeps, principal: Principal | undefined) {
  if (principal?.kind !== 'user') throw new UserTokenRequired();
  const user = await findUser(deps.db, principal.subject);
  if (!user || user.disabledAt) throw new UserNotFound();
  const profile = await openProfile(deps, deps.db, user);
  return { id: user.id, username: user.username, roles: user.roles, ...profile, scopes: [...principal.scopes].sort(), createdAt: user.createdAt };
}

/** Self-service sign-up: a customer account (other roles are granted by an administrator). */
export function signUp(deps: IdentityDeps, input: { username: string; password: string; email?: string | undefined; displayName?: string | undefined }) {
  return registerUser(deps, { ...input, roles: ['customer'] });
}

/** The users holding an e-mail address (none or one), found through its blind index: no row is decrypted to search. */
export async function findUsersByEmail(deps: IdentityDeps, email: string) {
  const user = await findUserByEmailIndex(deps.db, await emailIndexOf(deps, email));
  if (!user) return [];
  return [{ id: user.id, username: user.username, roles: user.roles, ...(await openProfile(deps, deps.db, user)), createdAt: user.createdAt }];
}
