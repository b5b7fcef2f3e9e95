import { basicCredentials } from '../../../platform/http/index.ts';

/** Client credentials as a token or revocation request carries them (RFC 6749 §2.3.1). */
export interface PresentedClient {
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** Why the request is malformed (both methods at once, two client ids): `invalid_request`. */
  invalid?: string;
  /** Why the client cannot be authenticated (another scheme than Basic, malformed Basic credentials): `invalid_client`. */
  unreadable?: string;
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * The client's id and secret: from `Authorization: Basic` (id and secret each form-encoded, then base64), or from
 * the form. Both at once is an invalid request (RFC 6749 §2.3: one method per request); an Authorization header that is
 * not readable Basic credentials authenticates no client (RFC 6749 §5.2 `invalid_client`).
 */
export function presentedClient(
  authorization: string | undefined,
  form: { client_id?: string | undefined; client_secret?: string | undefined },
): PresentedClient {
  // Read as the credential rate limit reads it: a header it would not count is never checked.
  const basic = basicCredentials(authorization);
  if (basic.kind === 'other-scheme') return { clientId: undefined, clientSecret: undefined, unreadable: 'The Authorization header is not HTTP Basic.' };
  if (basic.kind === 'none') return { clientId: form.client_id, clientSecret: form.client_secret };
  if (form.client_secret !== undefined)
    return { clientId: undefined, clientSecret: undefined, invalid: 'Authenticate with HTTP Basic or client_secret, not both.' };
  const clientId = basic.kind === 'basic' ? formDecode(basic.user) : undefined;
  const clientSecret = basic.kind === 'basic' ? formDecode(basic.password) : undefined;
  if (clientId === undefined || clientSecret === undefined)
    return { clientId: undefined, clientSecret: undefined, unreadable: 'The Basic credentials are malformed.' };
  if (form.client_id !== undefined && form.client_id !== clientId)
    return { clientId: undefined, clientSecret: undefined, invalid: 'client_id differs from the Basic credentials.' };
  return { clientId, clientSecret };
}
