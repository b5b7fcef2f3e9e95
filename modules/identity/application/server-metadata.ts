import type { IdentitySettings } from './identity-deps.ts';

/** RFC 8414 §2: what this authorization server offers, at absolute URLs under the issuer. */
export function serverMetadata(settings: IdentitySettings, knownScopes: readonly string[]) {
  const at = (path: string) => `${settings.issuer}${path}`;
  const clientAuth = ['client_secret_basic', 'client_secret_post', 'none'];
  return {
    issuer: settings.issuer,
    authorization_endpoint: at('/identity/v1/authorize'),
    token_endpoint: at('/identity/v1/token'),
    jwks_uri: at('/.well-known/jwks.json'),
    revocation_endpoint: at('/identity/v1/revoke'),
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', ...(settings.passwordGrant ? ['password'] : [])],
    token_endpoint_auth_methods_supported: clientAuth,
    revocation_endpoint_auth_methods_supported: clientAuth,
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...knownScopes],
    authorization_response_iss_parameter_supported: true,
  };
}
