import { z } from '@hono/zod-openapi';
import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import {
  authorizationFormSchema,
  authorizationQuerySchema,
  jwksSchema,
  oauthErrorSchema,
  oauthProblemFields,
  revocationRequestSchema,
  serverMetadataSchema,
  tokenRequestSchema,
  tokenResponseSchema,
} from './oauth.schemas.ts';

const form = <S extends z.ZodType>(schema: S) => ({ 'application/x-www-form-urlencoded': { schema } });
const noStore = { 'Cache-Control': { schema: { type: 'string' as const }, description: '`no-store`: tokens are never cached (RFC 6749 §5.1).' } };
const html = { 'text/html': { schema: z.string() } };

const tokenErrors = {
  400: ['identity/invalid-request', 'identity/invalid-grant', 'identity/invalid-scope', 'identity/unsupported-grant-type', 'identity/unauthorized-client'],
  401: ['identity/invalid-client'],
} as const;
const platform400 = ['http/validation-failed', 'http/malformed-form'] as const;

// Access: public (the client authenticates in the request itself, RFC 6749 §2.3).
export const token = contractRoute({
  method: 'post',
  path: '/identity/v1/token',
  access: 'public',
  // Client secrets and passwords are checked here: the strict, fail-closed rate limit, per IP and per account tried.
  credentials: {
    accounts: [
      { field: 'client_id', secret: 'client_secret', basic: true },
      { field: 'username', secret: 'password' },
    ],
  },
  tags: ['identity'],
  summary: 'Token endpoint (RFC 6749): client credentials, authorization code with PKCE, refresh token, password (demo only)',
  description:
    'Form-encoded (RFC 6749 §3.2). Clients authenticate with HTTP Basic or `client_id`/`client_secret` in the form; public clients send `client_id` alone and must use PKCE. Errors carry the RFC 6749 `error` beside the problem fields. A refresh token used twice revokes its whole family.',
  request: { body: { content: form(tokenRequestSchema), required: true } },
  idempotencyKey: false,
  errors: tokenErrors,
  problemFields: oauthProblemFields,
  responses: {
    200: { description: 'Tokens', headers: noStore, content: jsonContent(tokenResponseSchema) },
    400: {
      description: 'RFC 6749 §5.2 error, as a problem.',
      headers: noStore,
      content: {
        'application/problem+json': {
          schema: oauthErrorSchema(
            [...tokenErrors[400], ...platform400],
            ['invalid_request', 'invalid_grant', 'invalid_scope', 'unsupported_grant_type', 'unauthorized_client'],
          ),
        },
      },
    },
    401: {
      description: 'The client could not be authenticated (`invalid_client`); `WWW-Authenticate: Basic` when it tried HTTP Basic.',
      headers: noStore,
      content: { 'application/problem+json': { schema: oauthErrorSchema(tokenErrors[401], ['invalid_client']) } },
    },
  },
});

const revokeErrors = { 401: ['identity/invalid-client'] } as const;

// Access: public (the client authenticates in the request itself, RFC 7009 §2.1).
export const revoke = contractRoute({
  method: 'post',
  path: '/identity/v1/revoke',
  access: 'public',
  // A client secret is checked here too: the same strict limit as the token endpoint.
  credentials: { accounts: [{ field: 'client_id', secret: 'client_secret', basic: true }] },
  tags: ['identity'],
  summary: 'Revoke a refresh token and its family (RFC 7009): a sign-out',
  description:
    'Answers 200 whether or not the token existed, and for one that no longer works (used, revoked, expired); a working token of another client is refused (400 `unauthorized_client`, RFC 7009 §2.1). Access tokens are short-lived JWTs and are not revocable; they end at `exp`.',
  request: { body: { content: form(revocationRequestSchema), required: true } },
  idempotencyKey: false,
  problemFields: oauthProblemFields,
  errors: { ...revokeErrors, 400: ['identity/invalid-request', 'identity/token-of-another-client'] },
  responses: {
    200: { description: 'Revoked, or nothing to revoke.' },
    400: {
      description: 'A malformed request (`invalid_request`), or a token issued to another client (`unauthorized_client`), as a problem.',
      content: {
        'application/problem+json': {
          schema: oauthErrorSchema(
            ['identity/invalid-request', 'identity/token-of-another-client', ...platform400],
            ['invalid_request', 'unauthorized_client'],
          ),
        },
      },
    },
    401: {
      description: 'The client could not be authenticated (`invalid_client`).',
      content: { 'application/problem+json': { schema: oauthErrorSchema(revokeErrors[401], ['invalid_client']) } },
    },
  },
});

const location = {
  Location: { schema: { type: 'string' as const }, description: 'The client redirect URI with `code`, `state` and `iss` (RFC 9207), or `error`.' },
};

// Access: public (a browser page; the user signs in on it).
export const authorizePage = contractRoute({
  method: 'get',
  path: '/identity/v1/authorize',
  access: 'public',
  tags: ['identity'],
  summary: 'Authorization endpoint (RFC 6749 §4.1, PKCE S256 required): the sign-in page',
  request: { query: authorizationQuerySchema },
  errors: { 400: ['identity/invalid-authorization-request'] },
  responses: {
    200: { description: 'The sign-in page (HTML).', content: html },
    303: { description: 'A fault the client must hear about, sent back to its redirect URI as `error`.', headers: location },
  },
});

// Access: public (the sign-in form's submission; the user's password is the credential).
export const authorizeSubmit = contractRoute({
  method: 'post',
  path: '/identity/v1/authorize',
  access: 'public',
  credentials: { accounts: [{ field: 'username', secret: 'password' }] },
  tags: ['identity'],
  summary: 'Sign in on the authorization page; redirects back to the client with a code',
  request: { body: { content: form(authorizationFormSchema), required: true } },
  idempotencyKey: false,
  errors: { 400: ['identity/invalid-authorization-request'] },
  responses: {
    200: { description: 'The sign-in page again, saying what was wrong (HTML).', content: html },
    303: { description: 'Back to the client: `code` and `state`, or `error`.', headers: location },
  },
});

// Access: public.
export const jwks = contractRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  access: 'public',
  tags: ['identity'],
  summary: 'The public keys access tokens are signed with (RFC 7517), by `kid`',
  responses: {
    200: {
      description: 'The key set: the next key (published before it signs), the active one, and superseded ones still verifying.',
      content: jsonContent(jwksSchema),
    },
  },
});

// Access: public.
export const serverMetadata = contractRoute({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  access: 'public',
  tags: ['identity'],
  summary: 'Authorization server metadata (RFC 8414)',
  responses: { 200: { description: 'Endpoints, grants and methods this server supports.', content: jsonContent(serverMetadataSchema) } },
});
