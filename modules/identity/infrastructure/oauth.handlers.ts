import { problem, problemResponse, type App, type AppEnv } from '../../../platform/http/index.ts';
import type { Context } from 'hono';
import { authorize, checkAuthorizationRequest, type AuthorizationParameters } from '../application/authorize.ts';
import { auditTokenRefusal, issueTokens } from '../application/issue-tokens.ts';
import { auditRevocationRefusal, revokeToken } from '../application/revoke-token.ts';
import { serverMetadata } from '../application/server-metadata.ts';
import { publishedKeys } from '../application/signing-keys.ts';
import * as routes from '../contract/oauth.routes.ts';
import { InvalidClient, InvalidRequest } from '../domain/errors.ts';
import { presentedClient } from './client-authentication.ts';
import type { IdentityRuntime } from './identity-runtime.ts';
import { isOAuthError, oauthErrorResponse, oauthResponses } from './oauth-errors.ts';
import { signInPage, signInPageHeaders } from './sign-in-page.ts';

type Query = {
  response_type: string;
  client_id: string;
  redirect_uri: string;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
};

const parameters = (q: Query): AuthorizationParameters => ({
  responseType: q.response_type,
  clientId: q.client_id,
  redirectUri: q.redirect_uri,
  codeChallenge: q.code_challenge,
  codeChallengeMethod: q.code_challenge_method,
  scope: q.scope,
  state: q.state,
});

/** `redirect_uri` with the answer's parameters added (RFC 6749 §4.1.2), `iss` included (RFC 9207). */
function redirectTo(c: Context<AppEnv>, redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return c.body(null, 303, { location: url.toString(), 'cache-control': 'no-store' });
}

/** The authorization request cannot be redirected back (unknown client or redirect URI): the user is told. */
function refuseAuthorization(c: Context<AppEnv>, error: { code: string; message: string; details: Record<string, unknown> }): Response {
  const body = problem({
    status: 400,
    code: error.code,
    detail: error.message,
    instance: c.req.path,
    requestId: c.get('requestId'),
    extensions: error.details,
  });
  return problemResponse(c, body);
}

/** How the client presented itself made the request unusable: two ways at once, or an unreadable `Authorization`. */
function presentationError(client: ReturnType<typeof presentedClient>): Error | undefined {
  if (client.invalid) return new InvalidRequest(client.invalid);
  if (client.unreadable) return new InvalidClient(client.unreadable);
  return undefined;
}

/** The OAuth endpoints (token, revocation, authorization) and the documents verifiers and clients discover them by. */
export function oauthRoutes(app: App, runtime: IdentityRuntime): void {
  const { deps } = runtime;
  app.use('/identity/v1/token', oauthResponses());
  app.use('/identity/v1/revoke', oauthResponses());

  app.openapi(routes.token, async (c) => {
    const form = c.req.valid('form');
    const client = presentedClient(c.req.header('authorization'), form);
    try {
      const presentation = presentationError(client);
      if (presentation) {
        await auditTokenRefusal(deps, { grant_type: form.grant_type, client_id: client.clientId }, presentation);
        throw presentation;
      }
      const tokens = await issueTokens(deps, { ...form, client_id: client.clientId, client_secret: client.clientSecret });
      return c.json(tokens, 200);
    } catch (error) {
      if (isOAuthError(error)) return oauthErrorResponse(c, error) as never;
      throw error;
    }
  });

  app.openapi(routes.revoke, async (c) => {
    const form = c.req.valid('form');
    const client = presentedClient(c.req.header('authorization'), form);
    try {
      const presentation = presentationError(client);
      if (presentation) {
        await auditRevocationRefusal(deps, client.clientId, presentation);
        throw presentation;
      }
      await revokeToken(deps, { token: form.token, clientId: client.clientId, clientSecret: client.clientSecret });
      return c.body(null, 200);
    } catch (error) {
      if (isOAuthError(error)) return oauthErrorResponse(c, error) as never;
      throw error;
    }
  });

  app.openapi(routes.authorizePage, async (c) => {
    const query = c.req.valid('query');
    try {
      const client = await checkAuthorizationRequest(deps, parameters(query));
      return c.html(signInPage({ clientName: client.name, scope: query.scope, params: query }), 200, signInPageHeaders);
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      if (error.code === 'identity/invalid-authorization-request') return refuseAuthorization(c, error) as never;
      return redirectTo(c, query.redirect_uri, {
        error: error.details.error,
        error_description: error.message,
        state: query.state,
        iss: deps.settings.issuer,
      }) as never;
    }
  });

  app.openapi(routes.authorizeSubmit, async (c) => {
    const { username, password, ...query } = c.req.valid('form');
    try {
      const { code } = await authorize(deps, { ...parameters(query), username, password });
      return redirectTo(c, query.redirect_uri, { code, state: query.state, iss: deps.settings.issuer }) as never;
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      if (error.code === 'identity/invalid-authorization-request') return refuseAuthorization(c, error) as never;
      if (error.code === 'identity/invalid-grant') {
        // A wrong password: the page again, saying so; the client hears nothing (the user may try again).
        const client = await checkAuthorizationRequest(deps, parameters(query));
        return c.html(
          signInPage({ clientName: client.name, scope: query.scope, params: query, message: 'The user name or password is wrong.' }),
          200,
          signInPageHeaders,
        );
      }
      return redirectTo(c, query.redirect_uri, {
        error: error.details.error,
        error_description: error.message,
        state: query.state,
        iss: deps.settings.issuer,
      }) as never;
    }
  });

  app.openapi(routes.jwks, async (c) => {
    // Shorter than the key activation delay, so a cache never misses a key that has started signing.
    c.header('cache-control', 'public, max-age=15');
    return c.json((await publishedKeys(deps)) as { keys: { kty: string; kid: string; alg: string; use: string; crv: string; x: string; y: string }[] }, 200);
  });

  app.openapi(routes.serverMetadata, (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(serverMetadata(deps.settings, deps.knownScopes), 200);
  });
}
