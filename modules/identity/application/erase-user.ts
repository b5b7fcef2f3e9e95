import { uuidv7 } from '../../../platform/db/index.ts';
import { endUserOf, type Principal } from '../../../platform/security/index.ts';
import { userErased } from '../contract/events.ts';
import { ConfirmationNotYours, ErasureNotFound, UserNotFound, UserTokenRequired } from '../domain/errors.ts';
import {
  anonymiseUser,
  erasedUsername,
  findErasure,
  listConfirmations,
  recordConfirmation,
  recordErasure,
  revokeUserGrants,
  scrubUserEvents,
  type ConfirmationRow,
  type ErasureRow,
} from '../infrastructure/erasure-repository.ts';
import { findUser } from '../infrastructure/identity-repository.ts';
import type { ErasedTable } from '../infrastructure/schema.ts';
import type { IdentityDeps } from './identity-deps.ts';

/** One module's part of an erasure: confirmed with what it erased, or still pending. */
export interface ModuleErasure {
  module: string;
  status: 'confirmed' | 'pending';
  /** Rows erased or anonymised per table, once confirmed. */
  erased: ErasedTable[] | null;
  confirmedAt: Date | null;
}

/** An erasure request and its report: each module that holds data about people, and whether it confirmed. */
export interface Erasure {
  id: string;
  userId: string;
  requestedBy: string;
  requestedAt: Date;
  modules: ModuleErasure[];
  /** Every module confirmed. */
  complete: boolean;
}

/** The erasure with the report: identity and every consumer of `identity.user-erased` in the build, and any other module that confirmed. */
async function report(deps: IdentityDeps, erasure: ErasureRow, confirmations?: ConfirmationRow[]): Promise<Erasure> {
  const confirmed = new Map((confirmations ?? (await listConfirmations(deps.db, erasure.id))).map((c) => [c.module, c]));
  const names = [...new Set(['identity', ...deps.erasureModules, ...confirmed.keys()])].sort();
  const modules = names.map((module): ModuleErasure => {
    const c = confirmed.get(module);
    return c ? { module, status: 'confirmed', erased: c.erased, confirmedAt: c.confirmedAt } : { module, status: 'pending', erased: null, confirmedAt: null };
  });
  return { ...erasure, modules, complete: modules.every((m) => m.status === 'confirmed') };
}

/**
 * Erases a user's account, in one transaction: records the request, shreds the user's data key (every sealed copy of
 * their fields, in rows, outbox, bus and dead letters, stops opening), anonymises the users row (the plain username
 * too), revokes their refresh tokens, replaces the username in identity's own event copies, confirms identity's part,
 * and publishes `identity.user-erased` so every other module erases its copies (and confirms, see `confirmErasure`).
 * Asking again for an erased user answers the first erasure and publishes nothing.
 */
export async function eraseUser(deps: IdentityDeps, userId: string, requestedBy: string): Promise<Erasure> {
  return deps.transaction(async (tx) => {
    const user = await findUser(tx, userId);
    if (!user) throw new UserNotFound();
    const { erasure, created } = await recordErasure(tx, { id: uuidv7(), userId, requestedBy });
    if (!created) return report(deps, erasure, await listConfirmations(tx, erasure.id));
    await deps.fields.shred(tx, userId);
    await anonymiseUser(tx, userId, erasedUsername(erasure.id));
    const grants = await revokeUserGrants(tx, userId);
    const events = await scrubUserEvents(tx, userId, erasedUsername(erasure.id));
    const own = await recordConfirmation(tx, {
      erasureId: erasure.id,
      module: 'identity',
      erased: [
        { table: 'data_keys', rows: 1 },
        { table: 'users', rows: 1 },
        { table: 'refresh_tokens', rows: grants.refreshTokens },
        { table: 'authorization_codes', rows: grants.authorizationCodes },
        { table: 'events', rows: events },
      ],
    });
    await deps.outbox.publish(tx, userErased, { userId, erasureId: erasure.id });
    // The audit chain is append-only: it names the account by its id only.
    await deps.audit.record(tx, { action: 'identity.user-erased', target: userId, outcome: 'success', detail: { erasureId: erasure.id, requestedBy } });
    return report(deps, erasure, [own]);
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
  return report(deps, erasure);
}

/**
 * A module confirms it erased its copies of an erasure's subject: only the module itself (its module identity), once
 * (a repeated confirmation answers the first).
 */
export async function confirmErasure(
  deps: IdentityDeps,
  principal: Principal | undefined,
  erasureId: string,
  module: string,
  erased: ErasedTable[],
): Promise<ConfirmationRow> {
  if (principal?.kind !== 'module' || principal.module !== module) throw new ConfirmationNotYours(module);
  return deps.transaction(async (tx) => {
    if (!(await findErasure(tx, erasureId))) throw new ErasureNotFound();
    return recordConfirmation(tx, { erasureId, module, erased });
  });
}
