import type { Principal } from '../../../platform/security/index.ts';
import { UserNotFound, UserTokenRequired } from '../domain/errors.ts';
import { findUser } from '../infrastructure/identity-repository.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { registerUser } from './register-user.ts';

/** The signed-in user: who the token's subject is, with the scopes this token carries. */
export async function currentUser(deps: IdentityDeps, principal: Principal | undefined) {
  if (principal?.kind !== 'user') throw new UserTokenRequired();
  const user = await findUser(deps.db, principal.subject);
  if (!user || user.disabledAt) throw new UserNotFound();
  return { id: user.id, username: user.username, roles: user.roles, scopes: [...principal.scopes].sort(), createdAt: user.createdAt };
}

/** Self-service sign-up: a customer account (other roles are granted by an administrator). */
export function signUp(deps: IdentityDeps, input: { username: string; password: string }) {
  return registerUser(deps, { ...input, roles: ['customer'] });
}
