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

/** RFC 6749 §5.2 `invalid_client`: unknown client, wrong, missing or unreadable credentials, an unsupported method. */
export class InvalidClient extends IdentityError {
  readonly kind = 'unauthorized';
  readonly code = 'identity/invalid-client';
  constructor(reason = 'The client could not be authenticated.') {
    super(reason, { error: 'invalid_client' });
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

/** RFC 6749 §5.2 `unsupported_grant_type`: a grant this server does not offer (or not here). */
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

/** RFC 6749 §5.2 `unauthorized_client`: the client may not use this grant. */
export class UnauthorizedClient extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/unauthorized-client';
  constructor(grant: string, reason: string) {
    super(`The ${grant} grant is not available: ${reason}.`, { error: 'unauthorized_client', grant });
  }
}

/** RFC 7009 §2.1: a token issued to another client, which alone may revoke it (`unauthorized_client`). */
export class TokenOfAnotherClient extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/token-of-another-client';
  constructor() {
    super('The token was issued to another client; only that client may revoke it.', { error: 'unauthorized_client' });
  }
}

/** RFC 6749 §4.1.2.1 / §5.2 `invalid_request`: a parameter is missing, repeated or malformed. */
export class InvalidRequest extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/invalid-request';
  constructor(reason: string, error = 'invalid_request') {
    super(reason, { error });
  }
}

/**
 * An authorization request naming an unknown client or a redirect URI it did not register: never redirected to
 * (RFC 6749 §4.1.2.1), the user is told instead.
 */
export class InvalidAuthorizationRequest extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/invalid-authorization-request';
  constructor() {
    super('The client is unknown or the redirect URI is not one it registered.', { error: 'invalid_request' });
  }
}

/** The operation is about the signed-in user, and the token was issued to a client on its own behalf. */
export class UserTokenRequired extends IdentityError {
  readonly kind = 'forbidden';
  readonly code = 'identity/user-token-required';
  constructor() {
    super('This operation needs a token issued to a user.', {});
  }
}

export class UserNotFound extends IdentityError {
  readonly kind = 'not_found';
  readonly code = 'identity/user-not-found';
  constructor() {
    super('The user no longer exists.', {});
  }
}

export class ClientNotPublic extends IdentityError {
  readonly kind = 'conflict';
  readonly code = 'identity/client-not-public';
  constructor(clientId: string) {
    super(`Client ${clientId} is a confidential or reserved client; a browser client needs an id of its own.`, { clientId });
  }
}

export class UnknownScope extends IdentityError {
  readonly kind = 'invalid';
  readonly code = 'identity/unknown-scope';
  constructor(scopes: string[]) {
    super(`Unknown scopes: ${scopes.join(' ')}.`, { scopes });
  }
}

export class UsernameTaken extends IdentityError {
  readonly kind = 'conflict';
  readonly code = 'identity/username-taken';
  constructor(username: string, why: 'taken' | 'reserved' = 'taken') {
    super(why === 'taken' ? `The username ${username} is taken.` : `The username ${username} is reserved: erased accounts are named erased-….`, { username });
  }
}

/** Another account holds this e-mail address (compared normalised, through its blind index). Not echoed: personal data. */
export class EmailTaken extends IdentityError {
  readonly kind = 'conflict';
  readonly code = 'identity/email-taken';
  constructor() {
    super('Another account uses this e-mail address.', {});
  }
}

/** A caller asked identity to sign another module's audit checkpoint. */
export class CheckpointNotYours extends IdentityError {
  readonly kind = 'forbidden';
  readonly code = 'identity/checkpoint-not-yours';
  constructor(module: string) {
    super(`Only module ${module} itself may have its audit checkpoints signed.`, { module });
  }
}

/** An erasure request that does not exist. */
export class ErasureNotFound extends IdentityError {
  readonly kind = 'not_found';
  readonly code = 'identity/erasure-not-found';
  constructor() {
    super('No such erasure.', {});
  }
}

/** A caller confirmed an erasure for a module other than itself. */
export class ConfirmationNotYours extends IdentityError {
  readonly kind = 'forbidden';
  readonly code = 'identity/erasure-confirmation-not-yours';
  constructor(module: string) {
    super(`Only module ${module} itself may confirm its part of an erasure.`, { module });
  }
}
