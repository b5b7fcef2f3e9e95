import { uuidv7 } from '../../../platform/db/index.ts';
import { UsernameTaken } from '../domain/errors.ts';
import { roleScopes } from '../domain/scopes.ts';
import { insertUser } from '../infrastructure/identity-repository.ts';
import { hashPassword } from '../infrastructure/passwords.ts';
import type { IdentityDeps } from './identity-deps.ts';

export interface NewUser {
  username: string;
  password: string;
  roles: string[];
}

/** Registers a user with a scrypt hash of the password (the password itself is kept nowhere). */
export async function registerUser(deps: IdentityDeps, input: NewUser): Promise<{ id: string; username: string; roles: string[]; createdAt: Date }> {
  const unknown = input.roles.filter((r) => !(r in roleScopes));
  if (unknown.length > 0) throw new Error(`Unknown roles: ${unknown.join(', ')}.`);
  const id = uuidv7();
  const passwordHash = await hashPassword(input.password, deps.settings.passwordCost);
  const createdAt = new Date();
  if (!(await insertUser(deps.db, { id, username: input.username, passwordHash, roles: input.roles, createdAt }))) throw new UsernameTaken(input.username);
  return { id, username: input.username, roles: input.roles, createdAt };
}
