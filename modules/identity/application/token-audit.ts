import type { AuditEntry } from '../../../platform/audit/index.ts';

/**
 * The audit entries of the token endpoint and the sign-in page. They name users by id (or, for a failed sign-in, by
 * the blind index of the name typed: the trail is append-only and outlives an erasure, so it keeps no username, yet
 * repeated failures on one name still show as one target) and clients by id; never a password, secret, code or token.
 */

export function signedIn(method: 'password' | 'sign-in-page', userId: string, clientId: string): AuditEntry {
  return { action: 'identity.login', target: userId, outcome: 'success', detail: { method, clientId }, actorUser: userId, actorClient: clientId };
}

export function signInFailed(method: 'password' | 'sign-in-page', usernameIndex: string, clientId: string | undefined): AuditEntry {
  return {
    action: 'identity.login',
    target: `username:${usernameIndex}`,
    outcome: 'failure',
    detail: { method, clientId: clientId ?? null },
    actorUser: null,
    actorClient: clientId ?? null,
  };
}

export function tokenIssued(grant: string, subject: string, clientId: string, scopes: readonly string[]): AuditEntry {
  return {
    action: 'identity.token-issued',
    target: subject,
    outcome: 'success',
    detail: { grant, clientId, scopes: [...scopes] },
    actorUser: subject,
    actorClient: clientId,
  };
}

export function tokenRefused(grant: string, clientId: string | undefined, code: string): AuditEntry {
  return {
    action: 'identity.token-refused',
    target: clientId ?? null,
    outcome: 'failure',
    detail: { grant, code },
    actorUser: null,
    actorClient: clientId ?? null,
  };
}

/** A sign-out (RFC 7009 revocation): the refresh-token family of the token presented stops working. */
export function tokenRevoked(familyId: string, userId: string, clientId: string): AuditEntry {
  return { action: 'identity.token-revoked', target: familyId, outcome: 'success', detail: { clientId }, actorUser: userId, actorClient: clientId };
}

/** A revocation refused: the client could not be authenticated, or the token was issued to another client. */
export function revocationRefused(clientId: string | undefined, code: string): AuditEntry {
  return {
    action: 'identity.token-revocation-refused',
    target: clientId ?? null,
    outcome: 'failure',
    detail: { code },
    actorUser: null,
    actorClient: clientId ?? null,
  };
}

/** A credential presented again after use: the token family it started, or belongs to, is revoked. */
function familyRevoked(action: string, familyId: string, userId: string, clientId: string): AuditEntry {
  return { action, target: familyId, outcome: 'denied', detail: { clientId, familyRevoked: true }, actorUser: userId, actorClient: clientId };
}

/** An authorization code presented again: the refresh-token family its first redemption started is revoked. */
export function codeReused(familyId: string, userId: string, clientId: string): AuditEntry {
  return familyRevoked('identity.authorization-code-reused', familyId, userId, clientId);
}

/** A rotated refresh token presented again: its family is revoked. */
export function refreshReused(familyId: string, userId: string, clientId: string): AuditEntry {
  return familyRevoked('identity.refresh-token-reused', familyId, userId, clientId);
}
