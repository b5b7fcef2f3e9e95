import type { Executor } from '../../../platform/db/index.ts';
import { normaliseEmail } from '../../../platform/encryption/index.ts';
import type { IdentityDeps } from './identity-deps.ts';

/** A user's personal fields in the clear: null when not given, or once the user's key was shredded (erased). */
export interface Profile {
  email: string | null;
  displayName: string | null;
}

/**
 * Where a sealed value belongs, authenticated with it: a row's column, or a field of an event about the user. A value
 * copied to another user's row, another column or another event does not open.
 */
const columns: Record<keyof Profile, string> = { email: 'email', displayName: 'display_name' };

export const profileContext = {
  row: (field: keyof Profile, userId: string) => `identity.users.${columns[field]}/${userId}`,
  event: (event: string, field: keyof Profile, userId: string) => `${event}.${field}/${userId}`,
};

/** The column the e-mail blind index is computed for (its key is derived for this column alone). */
const emailIndexColumn = 'identity.users.email';

/** The blind index of an e-mail address: what finds the user without decrypting every row. */
export function emailIndexOf(deps: IdentityDeps, email: string): Promise<string> {
  return deps.fields.blindIndex(deps.db, emailIndexColumn, normaliseEmail(email));
}

/** The column the blind index of a username typed at a failed sign-in is computed for (audit entries name it so). */
const signInNameColumn = 'identity.audit.sign-in-name';

/** The blind index of a name typed at sign-in, as typed: what a failed sign-in's audit entry names instead of it. */
export function signInNameIndexOf(deps: IdentityDeps, username: string): Promise<string> {
  return deps.fields.blindIndex(deps.db, signInNameColumn, username);
}

/** Seals the given fields with `seal` (the user's sealer); absent fields stay null. */
export function sealProfile(seal: (value: string, context: string) => string, profile: Profile, contextOf: (field: keyof Profile) => string) {
  const sealed = (field: keyof Profile) => {
    const value = profile[field];
    return value === null ? null : seal(value, contextOf(field));
  };
  return { email: sealed('email'), displayName: sealed('displayName') };
}

/** Opens a user row's sealed fields; erased ones come back null. */
export async function openProfile(deps: IdentityDeps, db: Executor, user: { id: string; email: string | null; displayName: string | null }): Promise<Profile> {
  const fields = (['email', 'displayName'] as const).filter((f) => user[f] !== null);
  const opened = await deps.fields.openAll(
    db,
    fields.map((f) => ({ sealed: user[f] as string, context: profileContext.row(f, user.id) })),
  );
  const profile: Profile = { email: null, displayName: null };
  fields.forEach((f, i) => {
    const field = opened[i];
    if (field?.status === 'ok') profile[f] = field.value;
  });
  return profile;
}
