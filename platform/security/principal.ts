/**
 * Who is calling: an end user (through a client), a machine client, or another module of the application. A module's
 * own principal is the token-free handle the host issues for in-process calls, or what its client-credentials token
 * says across processes; the end user it acts for travels beside it (`onBehalfOf`).
 */
export interface Principal {
  kind: 'user' | 'client' | 'module';
  /** `sub`: a user id, a client id, or `module:<name>`. */
  subject: string;
  /** The OAuth client the token was issued to. */
  clientId: string;
  scopes: ReadonlySet<string>;
  /** The calling module, for `kind: 'module'`. */
  module?: string;
  /** The end user a module calls for (RFC 8693 `act`, seen from the other side). */
  onBehalfOf?: Principal;
  /** Seconds since the epoch when the credential expires (verified tokens), for caches. */
  expiresAt?: number;
}

/** The subject a module authenticates as. */
export function moduleSubject(module: string): string {
  return `module:${module}`;
}

/** Whether `principal` holds every scope in `required`. */
export function hasScopes(principal: Principal, required: readonly string[]): boolean {
  return required.every((s) => principal.scopes.has(s));
}

/** The end user (or machine client) behind a principal: itself, or the one a module calls for. */
export function endUserOf(principal: Principal | undefined): Principal | undefined {
  return principal?.kind === 'module' ? principal.onBehalfOf : principal;
}
