/** Identity's domain errors: plain data with a stable code and a kind; `details.error` is the RFC 6749 error code. */
type Kind = 'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict';

abstract class IdentityError extends Error {
  abstract readonly kind: Kind;
  abstract readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>) {
    super(message);
    this.details = details;
  }
}

/** RFC 6749 §5.2 `invalid_client`: unknown client, or wrong or missing credentials. */
export class InvalidClient extends IdentityError {
  readonly kind = 'unauthorized';
  readonly code = 'identity/invalid-client';
  constructor() {
    super('The client could not be authenticated.', { error: 'invalid_client' });
  }
}

/** RFC 6749 §5.2 `invalid_grant`: the grant (password, code, refresh token) is wrong, expired, used or revoked. */
export class InvalidGrant extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/invalid-grant';
  constructor(reason: string) {
    super(reason, { error: 'invalid_grant' });
  }
}

/** RFC 6749 §5.2 `unauthorized_client` / `unsupported_grant_type`. */
export class GrantNotAllowed extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/unsupported-grant-type';
  constructor(grant: string, reason: string) {
    super(`The ${grant} grant is not available: ${reason}.`, { error: 'unsupported_grant_type', grant });
  }
}

/** RFC 6749 §5.2 `invalid_scope`: asked for scopes the client or user may not have. */
export class InvalidScope extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/invalid-scope';
  constructor(scopes: string[]) {
    super(`Not allowed: ${scopes.join(' ')}.`, { error: 'invalid_scope', scopes });
  }
}

export class UsernameTaken extends IdentityError {
  readonly kind = 'conflict';
  readonly code = 'identity/username-taken';
  constructor(username: string) {
    super(`The username ${username} is taken.`, { username });
  }
}
