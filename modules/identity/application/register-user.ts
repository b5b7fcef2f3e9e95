import { uuidv7 } from '../../../platform/db/index.ts';
import { userRegistered } from '../contract/events.ts';
import { EmailTaken, UsernameTaken } from '../domain/errors.ts';
import { roleScopes } from '../domain/scopes.ts';
import { erasedUsernamePrefix } from '../infrastructure/erasure-repository.ts';
import { findUserByName, insertUser } from '../infrastructure/identity-repository.ts';
import { hashPassword } from '../infrastructure/passwords.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { emailIndexOf, profileContext, sealProfile } from './user-profile.ts';

export interface NewUser {
  username: string;
  password: string;
  roles: string[];
  email?: string | undefined;
  displayName?: string | undefined;
}

/**
 * Registers a user with a scrypt hash of the password (the password itself is kept nowhere), the e-mail address and
 * display name sealed with the user's own data key (with a blind index of the address), and announces it with
 * `identity.user-registered`, whose personal fields are sealed for the user too.
 */
export async function registerUser(deps: IdentityDeps, input: NewUser) {
  // The names erased accounts get (`erased-<erasure id>`): a live account must not pass for an anonymised one.
  if (input.username.startsWith(erasedUsernamePrefix)) throw new UsernameTaken(input.username, 'reserved');
  const unknown = input.roles.filter((r) => !(r in roleScopes));
  if (unknown.length > 0) throw new Error(`Unknown roles: ${unknown.join(', ')}.`);
  const id = uuidv7();
  const passwordHash = await hashPassword(input.password, deps.settings.passwordCost);
  const createdAt = new Date();
  const profile = { email: input.email ?? null, displayName: input.displayName ?? null };
  // Before the transaction: on embedded PGlite a read outside it would wait for it.
  const emailIndex = profile.email === null ? null : await emailIndexOf(deps, profile.email);
  await deps.transaction(async (tx) => {
    const seal = await deps.fields.sealerFor(tx, id);
    const row = sealProfile(seal, profile, (f) => profileContext.row(f, id));
    if (!(await insertUser(tx, { id, username: input.username, passwordHash, roles: input.roles, createdAt, emailIndex, ...row }))) {
      throw (await findUserByName(tx, input.username)) ? new UsernameTaken(input.username) : new EmailTaken();
    }
    const sealed = sealProfile(seal, profile, (f) => profileContext.event(userRegistered.name, f, id));
    await deps.outbox.publish(tx, userRegistered, { userId: id, username: input.username, roles: input.roles, ...sealed });
  });
  return { id, username: input.username, roles: input.roles, ...profile, createdAt };
}
