import { hasScopes, type Principal } from '../security/principal.ts';
/**
 * Who may call an operation, declared with the route (`contractRoute({ access })`) and shown in OpenAPI: `'public'`,
 * or the scopes a token must carry and/or the modules that may call it. Every contract route declares one; a host
 * refuses to start with a route that does not.
 *
 * @example
 * contractRoute({ method: 'get', path: '/catalog/v1/products', access: 'public', ... })
 * contractRoute({ method: 'post', path: '/inventory/v1/stock/{productId}/receipts', access: { scopes: ['inventory:write'] }, ... })
 * contractRoute({ method: 'put', path: '/inventory/v1/reservations/{id}', access: { scopes: ['inventory:write'], modules: ['ordering'] }, ... })
 * contractRoute({ method: 'post', path: '/identity/v1/audit/checkpoints', access: { modules: [anyModule] }, ... })
 */
export type Access =
  | 'public'
  | {
      /** A user or machine client passes with every one of these scopes. */
      scopes?: readonly string[];
      /**
       * These modules pass as callers (their own identity: the host's handle in-process, a module token between
       * processes). `'*'` admits every module as itself, and no user: for operations only modules call, whose use
       * case then checks which module may act on what.
       */
      modules?: readonly string[];
    };

/** In an access's `modules`: every module, as itself. */
export const anyModule = '*';

const moduleNames = (modules: readonly string[]) => (modules.includes(anyModule) ? 'any module' : modules.join(' or '));

/** The scope an operator's token carries: `/ops/*`, `/registry`, `/metrics` and admin routes need it. */
export const operatorScope = 'operator';

/** The access of the platform's operational routes. */
export const operatorAccess: Access = { scopes: [operatorScope] };

/** The security scheme every non-public operation names in OpenAPI. */
export const securitySchemeName = 'oauth2';

/** OpenAPI `security` of an operation with this access: `[]` (none) for public ones. */
export function securityOf(access: Access): Record<string, string[]>[] {
  return access === 'public' ? [] : [{ [securitySchemeName]: [...(access.scopes ?? [])] }];
}

/** A one-line description of the access, for OpenAPI descriptions and error messages. */
export function describeAccess(access: Access): string {
  if (access === 'public') return 'public';
  const parts = [
    ...(access.scopes && access.scopes.length > 0 ? [`scopes ${access.scopes.join(' ')}`] : []),
    ...(access.modules && access.modules.length > 0 ? [access.modules.includes(anyModule) ? 'any module' : `modules ${access.modules.join(', ')}`] : []),
  ];
  return parts.length > 0 ? parts.join(', or ') : 'any authenticated caller';
}

/**
 * The OAuth2 security scheme the OpenAPI documents declare: tokens from the identity module's token endpoint, by
 * client credentials (machine clients, modules) or authorization code with PKCE (browser applications).
 */
export function securityScheme(scopes: readonly string[]) {
  const described = Object.fromEntries([...new Set(scopes)].sort().map((s) => [s, s === operatorScope ? 'Operate the platform' : `Scope ${s}`]));
  return {
    type: 'oauth2' as const,
    description: 'Bearer access tokens (JWT, RFC 9068) issued by the identity module.',
    flows: {
      clientCredentials: { tokenUrl: '/identity/v1/token', scopes: described },
      authorizationCode: { authorizationUrl: '/identity/v1/authorize', tokenUrl: '/identity/v1/token', refreshUrl: '/identity/v1/token', scopes: described },
    },
  };
}

/** What a refused caller lacked, for the problem's detail: "the scope a b, or to be called by m". */
export function accessNeeds(access: Exclude<Access, 'public'>): string {
  const scopes = access.scopes ?? [];
  const modules = access.modules ?? [];
  const parts = [...(scopes.length > 0 ? [`the scope ${scopes.join(' ')}`] : []), ...(modules.length > 0 ? [`to be called by ${moduleNames(modules)}`] : [])];
  return parts.length > 0 ? parts.join(', or ') : 'an authenticated caller';
}

/**
 * Whether `principal` may call an operation with `access` (not public): a module named in `modules` passes as
 * itself (every module for `'*'`); otherwise the scopes must be held, by the principal itself or, for a module, by the
 * user it calls for. An access naming modules only admits those modules; one naming neither admits anyone
 * authenticated.
 */
export function allows(access: Exclude<Access, 'public'>, principal: Principal): boolean {
  const modules = access.modules ?? [];
  if (principal.kind === 'module' && principal.module !== undefined && (modules.includes(principal.module) || modules.includes(anyModule))) return true;
  const scopes = access.scopes ?? [];
  if (scopes.length === 0) return modules.length === 0;
  if (hasScopes(principal, scopes)) return true;
  return principal.kind === 'module' && principal.onBehalfOf !== undefined && hasScopes(principal.onBehalfOf, scopes);
}
