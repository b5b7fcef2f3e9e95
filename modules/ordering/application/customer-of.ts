import type { Principal } from '../../../platform/security/index.ts';
import { CustomerTokenRequired } from '../domain/errors.ts';

/** The customer a request acts for: the signed-in user behind the token; machine clients have no cart. */
export function customerOf(endUser: Principal | undefined): string {
  if (endUser?.kind !== 'user') throw new CustomerTokenRequired();
  return endUser.subject;
}
