import { createHash, randomUUID } from 'node:crypto';
import type { Executor } from '../../../platform/db/index.ts';
import { GrantNotAllowed, InvalidGrant, InvalidRequest, InvalidScope, UnauthorizedClient } from '../domain/errors.ts';
import { grantScopes, scopesOfRoles } from '../domain/scopes.ts';
import {
  digest,
  findUser,
  findUserByName,
  insertRefreshToken,
  opaqueToken,
  revokeFamily,
  setCodeFamily,
  takeAuthorizationCode,
  useRefreshToken,
} from '../infrastructure/identity-repository.ts';
import { decoyHash, verifyPassword } from '../infrastructure/passwords.ts';
import type { ActiveKey } from '../infrastructure/key-store.ts';
import { authenticateClient, type AuthenticatedClient } from './authenticate-client.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { signAccessToken } from './sign-token.ts';
import { codeReused, refreshReused, signedIn, signInFailed, tokenIssued, tokenRefused } from './token-audit.ts';
import { signInNameIndexOf } from './user-profile.ts';

/** A token request's parameters (RFC 6749 §4), already decoded from the form. */
export interface TokenRequest {
  grant_type: string;
  client_id?: string | undefined;
  client_secret?: string | undefined;
  scope?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  code?: string | undefined;
  redirect_uri?: string | undefined;
  code_verifier?: string | undefined;
  refresh_token?: string | undefined;
}

/** RFC 6749 §5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

function allow(client: AuthenticatedClient, grant: string): void {
  if (!client.grantTypes.includes(grant)) throw new UnauthorizedClient(grant, `client ${client.id} may not use it`);
}

function scopesFor(requested: string | undefined, allowed: ReadonlySet<string>): string[] {
  const result = grantScopes(requested, allowed);
  if ('refused' in result) throw new InvalidScope(result.refused);
  return result.granted;
}

/** A sign-in's refresh-token family: the one a refresh continues, or a new one starting now. */
interface Family {
  id: string;
  startedAt: Date;
}

/**
 * Access token for `scopes` plus a new refresh token in `family` (a new family when none is given), which holds
 * `refreshScope` (the access token's scopes unless given). The refresh token lives REFRESH_TOKEN_TTL, and no longer
 * than the family's start + REFRESH_TOKEN_MAX_AGE: rotation slides a sign-in forward, up to that bound.
 */
async function userTokens(
  deps: IdentityDeps,
  db: Executor,
  key: ActiveKey,
  client: AuthenticatedClient,
  userId: string,
  scopes: string[],
  family: Family = { id: randomUUID(), startedAt: new Date() },
  refreshScope: string = scopes.join(' '),
): Promise<TokenResponse> {
  const access = await signAccessToken(deps.settings, key, { subject: userId, clientId: client.id, scopes, kind: 'user' });
  const refresh = opaqueToken();
  const expiresAt = Math.min(Date.now() + deps.settings.refreshTokenTtlS * 1000, familyEnd(deps, family.startedAt));
  await insertRefreshToken(db, {
    id: randomUUID(),
    tokenHash: digest(refresh),
    familyId: family.id,
    familyStartedAt: family.startedAt,
    clientId: client.id,
    userId,
    scope: refreshScope,
    expiresAt: new Date(expiresAt),
  });
  return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: scopes.join(' '), refresh_token: refresh };
}

/** When a sign-in that started at `startedAt` ends, in ms since the epoch, however often it is refreshed. */
function familyEnd(deps: IdentityDeps, startedAt: Date): number {
  return startedAt.getTime() + deps.settings.refreshTokenMaxAgeS * 1000;
}

/** The scopes `userId` may hold through `client`, or an invalid grant when the user is gone or disabled. */
async function userScopes(db: Executor, client: AuthenticatedClient, userId: string): Promise<Set<string>> {
  const user = await findUser(db, userId);
  if (!user || user.disabledAt) throw new InvalidGrant('The user no longer exists or is disabled.');
  return new Set([...scopesOfRoles(user.roles)].filter((s) => client.scopes.has(s)));
}

/** Failures whose own audit entry is written where they are thrown (a wrong password, a reused refresh token). */
const audited = new WeakSet<object>();

/**
 * The token endpoint (RFC 6749), audited: every token issued (with its sign-in, for the password grant) commits with
 * its entry; every refusal is recorded too. See `issue` for the grants.
 */
export async function issueTokens(deps: IdentityDeps, request: TokenRequest): Promise<TokenResponse> {
  try {
    return await issue(deps, request);
  } catch (error) {
    await auditTokenRefusal(deps, request, error);
    throw error;
  }
}

/**
 * Records a refused token request whose error is identity's own (`identity/…`) and not recorded where it was thrown:
 * refusals the handler decides before `issueTokens` runs (an unreadable `Authorization` header) are recorded through
 * it too.
 */
export async function auditTokenRefusal(deps: IdentityDeps, request: Pick<TokenRequest, 'grant_type' | 'client_id'>, error: unknown): Promise<void> {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('identity/') && !audited.has(error as object)) {
    await deps.audit.recordAll([tokenRefused(request.grant_type, request.client_id, code)]);
  }
}

/** Throws `error`, its audit entry already written. */
function auditedError(error: Error): Error {
  audited.add(error);
  return error;
}

/**
 * The token endpoint (RFC 6749): client credentials; authorization code with PKCE S256 (RFC 7636); refresh token with
 * rotation and reuse detection (a refresh token used twice revokes its whole family, RFC 9700 §4.14); and the
 * password grant only where enabled for a local demo.
 */
async function issue(deps: IdentityDeps, request: TokenRequest): Promise<TokenResponse> {
  const client = await authenticateClient(deps, request.client_id, request.client_secret);
  const key = await deps.keys.active();
  switch (request.grant_type) {
    case 'client_credentials': {
      allow(client, 'client_credentials');
      if (!client.confidential) throw new UnauthorizedClient('client_credentials', 'public clients have no credentials');
      const scopes = scopesFor(request.scope, client.scopes);
      const access = await signAccessToken(deps.settings, key, { subject: client.id, clientId: client.id, scopes, kind: client.module ? 'module' : 'client' });
      // No state changes with a client's token: its entry commits on its own.
      await deps.audit.recordAll([tokenIssued('client_credentials', client.id, client.id, scopes)]);
      return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: scopes.join(' ') };
    }
    case 'password': {
      if (!deps.settings.passwordGrant) throw new GrantNotAllowed('password', 'it is for local demos only and not enabled here');
      allow(client, 'password');
      if (!request.username || request.password === undefined) throw new InvalidRequest('username and password are required.');
      const user = await findUserByName(deps.db, request.username);
      // A missing user costs the same time as a wrong password, so usernames cannot be probed by timing.
      const valid = await verifyPassword(request.password, user?.passwordHash ?? decoyHash(deps.settings.passwordCost));
      if (!user || !valid || user.disabledAt) {
        await deps.audit.recordAll([signInFailed('password', await signInNameIndexOf(deps, request.username), client.id)]);
        throw auditedError(new InvalidGrant('The username or password is wrong.'));
      }
      const allowed = new Set([...scopesOfRoles(user.roles)].filter((s) => client.scopes.has(s)));
      const scopes = scopesFor(request.scope, allowed);
      return deps.transaction(async (tx) => {
        const tokens = await userTokens(deps, tx, key, client, user.id, scopes);
        await deps.audit.recordAll([signedIn('password', user.id, client.id), tokenIssued('password', user.id, client.id, scopes)], tx);
        return tokens;
      });
    }
    case 'authorization_code': {
      allow(client, 'authorization_code');
      const { code: presented, code_verifier: verifier, redirect_uri: redirectUri } = request;
      if (!presented || !verifier || !redirectUri) throw new InvalidRequest('code, code_verifier and redirect_uri are required.');
      // RFC 7636 §4.1: 43 to 128 unreserved characters.
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw new InvalidRequest('code_verifier must be 43 to 128 characters: letters, digits, - . _ ~.');
      // Taking the code and issuing its tokens commit together: an error in between leaves the code unused. A refusal
      // (another client, expired, wrong verifier) is returned, not thrown, so the code is used up all the same: a
      // code presented wrongly may be in the wrong hands, and it gets no second try.
      const outcome = await deps.transaction(async (tx) => {
        const hash = digest(presented);
        const code = await takeAuthorizationCode(tx, hash);
        if (code && 'reused' in code) return code;
        if (!code) throw new InvalidGrant('The authorization code is not valid for this client.');
        if (code.clientId !== client.id || code.redirectUri !== redirectUri)
          return { refused: new InvalidGrant('The authorization code is not valid for this client.') };
        if (code.expiresAt.getTime() < Date.now()) return { refused: new InvalidGrant('The authorization code expired.') };
        if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge) {
          return { refused: new InvalidGrant('The code verifier does not match the code challenge.') };
        }
        const allowed = await userScopes(tx, client, code.userId);
        const scopes = scopesFor(code.scope || undefined, allowed);
        const family = { id: randomUUID(), startedAt: new Date() };
        const tokens = await userTokens(deps, tx, key, client, code.userId, scopes, family);
        await setCodeFamily(tx, hash, family.id);
        await deps.audit.record(tx, tokenIssued('authorization_code', code.userId, client.id, scopes));
        return tokens;
      });
      if ('access_token' in outcome) return outcome;
      if ('refused' in outcome) throw outcome.refused;
      // The code was used before. A redemption that failed issued nothing, and there is nothing to revoke.
      const { familyId, userId, clientId } = outcome.reused;
      if (!familyId) throw new InvalidGrant('The authorization code was already used by a redemption that failed; no tokens were issued for it.');
      // It was redeemed: it may have been intercepted, so the session it started ends too (RFC 6749 §4.1.2, RFC 9700
      // §4.5). Committed on its own, with its audit entry, so the error below does not roll it back.
      await deps.transaction(async (tx) => {
        await revokeFamily(tx, familyId);
        await deps.audit.record(tx, codeReused(familyId, userId, clientId));
      });
      throw auditedError(new InvalidGrant('The authorization code was already used; the tokens issued for it are revoked.'));
    }
    case 'refresh_token': {
      allow(client, 'refresh_token');
      const presented = request.refresh_token;
      if (!presented) throw new InvalidRequest('refresh_token is required.');
      const reused = await deps.transaction(async (tx) => {
        const used = await useRefreshToken(tx, digest(presented));
        if (!used || used.row.clientId !== client.id) throw new InvalidGrant('The refresh token is not valid for this client.');
        if (!used.firstUse) return used.row;
        if (used.row.revokedAt || used.row.expiresAt.getTime() < Date.now()) throw new InvalidGrant('The refresh token expired or was revoked.');
        // Checked apart from `expiresAt` so that a REFRESH_TOKEN_MAX_AGE lowered since also ends older sign-ins.
        if (familyEnd(deps, used.row.familyStartedAt) <= Date.now())
          throw new InvalidGrant('The sign-in this refresh token continues has reached its maximum age; sign in again.');
        const allowed = await userScopes(tx, client, used.row.userId);
        const granted = used.row.scope.split(' ').filter(Boolean);
        const still = new Set(granted.filter((s) => allowed.has(s)));
        // Without `scope`, the token grants what the refresh token does (RFC 6749 §6) that the user still holds: one who
        // lost a role since gets the rest (the answer's `scope` says which, §3.3), and nothing left is a session to start
        // again. A `scope` asked for that the user no longer holds is refused (invalid_scope).
        if (request.scope === undefined && granted.length > 0 && still.size === 0)
          throw new InvalidGrant('The user no longer holds any scope this refresh token was granted; sign in again.');
        const scopes = scopesFor(request.scope, still);
        // RFC 6749 §6: a narrower `scope` narrows the access token only; the new refresh token's scope is the presented one's.
        const family = { id: used.row.familyId, startedAt: used.row.familyStartedAt };
        const tokens = await userTokens(deps, tx, key, client, used.row.userId, scopes, family, used.row.scope);
        await deps.audit.record(tx, tokenIssued('refresh_token', used.row.userId, client.id, scopes));
        return tokens;
      });
      if ('access_token' in reused) return reused;
      // Someone used this token before: it may be stolen. Nobody keeps the session (RFC 9700 §4.14.2). Committed on
      // its own (with its audit entry), so the error below does not roll it back.
      await deps.transaction(async (tx) => {
        await revokeFamily(tx, reused.familyId);
        await deps.audit.record(tx, refreshReused(reused.familyId, reused.userId, client.id));
      });
      throw auditedError(new InvalidGrant('The refresh token was already used; the session is revoked.'));
    }
    default:
      if (!request.grant_type) throw new InvalidRequest('grant_type is required.');
      throw new GrantNotAllowed(request.grant_type, 'this server knows client_credentials, authorization_code, refresh_token and password');
  }
}
