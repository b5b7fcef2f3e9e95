import { z } from '@hono/zod-openapi';
import { problemSchema } from '../../../platform/http/index.ts';

// OAuth parameters are plain strings on the wire; what each must hold is the grant's business (RFC 6749 §5.2 errors).
const param = (description: string) => z.string().max(4096).optional().openapi({ description });

/** RFC 6749 §4: the token request, one form for every grant. Unknown parameters are ignored (§3.2). */
export const tokenRequestSchema = z
  .object({
    grant_type: z.string().max(100).openapi({
      description: '`client_credentials`, `authorization_code`, `refresh_token`, or `password` (local demos only, when enabled).',
      example: 'client_credentials',
    }),
    client_id: param('The client, unless it authenticates with HTTP Basic (`client_secret_basic`).'),
    client_secret: param('The client secret (`client_secret_post`); prefer HTTP Basic.'),
    scope: param('Space-separated scopes; all the client and user may hold when left out.'),
    code: param('`authorization_code`: the code from the authorization endpoint.'),
    redirect_uri: param('`authorization_code`: the redirect URI the code was issued for.'),
    code_verifier: param('`authorization_code`: the PKCE verifier (RFC 7636).'),
    refresh_token: param('`refresh_token`: the refresh token to rotate.'),
    username: param('`password`: the user name.'),
    password: param('`password`: the password.'),
  })
  .openapi('TokenRequest');

/** RFC 6749 §5.1. */
export const tokenResponseSchema = z
  .object({
    access_token: z.string().openapi({ description: 'A JWT (RFC 9068, `typ: at+jwt`) signed with a key from the JWKS.' }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive(),
    scope: z.string(),
    refresh_token: z.string().optional().openapi({ description: 'For user grants: single use; the answer to using it carries the next one.' }),
  })
  .openapi('TokenResponse');

/** RFC 7009 §2.1. */
export const revocationRequestSchema = z
  .object({
    token: z.string().max(4096).openapi({ description: 'The refresh token to revoke (with every token of its family).' }),
    token_type_hint: param('`refresh_token` or `access_token`; access tokens expire on their own and are not revoked.'),
    client_id: param('The client, unless it authenticates with HTTP Basic.'),
    client_secret: param('The client secret, for confidential clients that do not use HTTP Basic.'),
  })
  .openapi('RevocationRequest');

/** An OAuth error (RFC 6749 §5.2) that is also a problem (RFC 9457): `error` and `error_description` beside `code`. */
export function oauthErrorSchema(codes: readonly [string, ...string[]], errors: readonly [string, ...string[]]) {
  return problemSchema.extend({
    code: z.enum(codes),
    error: z.enum(errors).openapi({ description: 'The RFC 6749 §5.2 error code.' }),
    error_description: z.string(),
  });
}

/**
 * The RFC 6749 §5.2 `error` the OAuth endpoints add to a problem of `status` that carries none of its own (one the
 * platform answered: a malformed form, a body limit, a rate limit): `temporarily_unavailable` for 429 and 503, which a
 * client may retry after `Retry-After` (not `invalid_request`: clients take that for their own bug, never retried);
 * `invalid_client` for 401; `invalid_request` for any other 4xx. None for other 5xx.
 */
export function platformOAuthError(status: number): 'invalid_client' | 'temporarily_unavailable' | 'invalid_request' | undefined {
  if (status === 401) return 'invalid_client';
  if (status === 429 || status === 503) return 'temporarily_unavailable';
  return status >= 400 && status < 500 ? 'invalid_request' : undefined;
}

/** `problemFields` of the OAuth endpoints: the OpenAPI document shows the `error` of every problem they answer with. */
export function oauthProblemFields(status: number) {
  const error = platformOAuthError(status);
  if (error === undefined) return undefined;
  return { error: z.literal(error).openapi({ description: 'The RFC 6749 §5.2 error code.' }), error_description: z.string() };
}

/** RFC 6749 §4.1.1 and RFC 7636 §4.3: what a client sends the user's browser with. */
export const authorizationQuerySchema = z.object({
  response_type: z.string().max(100).openapi({ description: 'Must be `code`.', example: 'code' }),
  client_id: z.string().max(200),
  redirect_uri: z.string().max(2000).openapi({ description: 'Exactly one the client registered.' }),
  code_challenge: z.string().max(200).optional().openapi({ description: 'Required: base64url SHA-256 of the code verifier.' }),
  code_challenge_method: z.string().max(20).optional().openapi({ description: 'Required: `S256`.' }),
  scope: z.string().max(1000).optional(),
  state: z.string().max(1000).optional().openapi({ description: 'Returned unchanged with the code; bind it to the browser session.' }),
});

/** The sign-in form the authorization page posts: the request's parameters again, with the user's credentials. */
export const authorizationFormSchema = authorizationQuerySchema
  .extend({ username: z.string().max(200), password: z.string().max(1000) })
  .openapi('AuthorizationForm');

const jwkSchema = z
  .object({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.string(), crv: z.string(), x: z.string(), y: z.string() })
  .openapi('Jwk');

/** RFC 7517 §5: public keys only. */
export const jwksSchema = z.object({ keys: z.array(jwkSchema) }).openapi('JwkSet');

/** RFC 8414 §2: the authorization server metadata. */
export const serverMetadataSchema = z
  .object({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    revocation_endpoint: z.string(),
    response_types_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    authorization_response_iss_parameter_supported: z.boolean(),
  })
  .openapi('AuthorizationServerMetadata');

export type TokenRequestForm = z.infer<typeof tokenRequestSchema>;
export type TokenResponseDto = z.infer<typeof tokenResponseSchema>;
export type ServerMetadataDto = z.infer<typeof serverMetadataSchema>;
