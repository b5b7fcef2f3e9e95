import { randomBytes } from 'node:crypto';
import { ClientNotPublic, UnknownScope } from '../domain/errors.ts';
import { digest, findClient, listClients, opaqueToken, upsertClient, type ClientRow } from '../infrastructure/identity-repository.ts';
import type { AuditEntry } from '../../../platform/audit/index.ts';
import type { IdentityDeps } from './identity-deps.ts';

export interface ClientView {
  clientId: string;
  name: string;
  type: 'confidential' | 'public';
  grantTypes: string[];
  scopes: string[];
  redirectUris: string[];
  createdAt: string;
}

const view = (c: ClientRow): ClientView => ({
  clientId: c.id,
  name: c.name,
  type: c.secretHash === null ? 'public' : 'confidential',
  grantTypes: c.grantTypes,
  scopes: c.scopes,
  redirectUris: c.redirectUris,
  createdAt: c.createdAt.toISOString(),
});

/** The audit entry of a client registered or replaced (an administrator's act: who holds which scopes). */
const registered = (clientId: string, type: 'confidential' | 'public', scopes: string[], redirectUris: string[]): AuditEntry => ({
  action: 'identity.client-registered',
  target: clientId,
  outcome: 'success',
  detail: { type, scopes, redirectUris },
});

/**
 * Registers a machine client (client credentials grant): a generated id and secret. The secret is returned once and
 * only its SHA-256 is kept (it is 256 random bits, so a fast hash suffices).
 */
export async function registerMachineClient(deps: IdentityDeps, input: { name: string; scopes: string[] }): Promise<ClientView & { clientSecret: string }> {
  const unknown = input.scopes.filter((s) => !deps.knownScopes.includes(s));
  if (unknown.length > 0) throw new UnknownScope(unknown);
  const id = `client-${randomBytes(12).toString('base64url')}`;
  const secret = opaqueToken();
  const scopes = [...new Set(input.scopes)].sort();
  // The registration's audit entry commits with the client.
  await deps.transaction(async (tx) => {
    await upsertClient(tx, { id, name: input.name, secretHash: digest(secret), redirectUris: [], grantTypes: ['client_credentials'], scopes });
    await deps.audit.record(tx, registered(id, 'confidential', scopes, []));
  });
  const row = await findClient(deps.db, id);
  if (!row) throw new Error(`Client ${id} vanished after it was registered.`);
  return { ...view(row), clientSecret: secret };
}

/**
 * Registers or replaces a browser client: public (no secret, so PKCE is required), the authorization code and refresh
 * token grants, the given scopes and exact redirect URIs. A confidential client, or a reserved id (the bootstrap client,
 * module clients), is never turned into one.
 */
export async function putBrowserClient(
  deps: IdentityDeps,
  clientId: string,
  input: { name: string; scopes: string[]; redirectUris: string[] },
): Promise<ClientView> {
  const unknown = input.scopes.filter((s) => !deps.knownScopes.includes(s));
  if (unknown.length > 0) throw new UnknownScope(unknown);
  const existing = await findClient(deps.db, clientId);
  if (clientId === 'cleave-admin' || (existing && existing.secretHash !== null)) throw new ClientNotPublic(clientId);
  const client = {
    id: clientId,
    name: input.name,
    secretHash: null,
    redirectUris: [...new Set(input.redirectUris)],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: [...new Set(input.scopes)].sort(),
  };
  await deps.transaction(async (tx) => {
    await upsertClient(tx, client);
    await deps.audit.record(tx, registered(clientId, 'public', client.scopes, client.redirectUris));
  });
  const row = await findClient(deps.db, clientId);
  if (!row) throw new Error(`Client ${clientId} vanished after it was registered.`);
  return view(row);
}

/** Every registered client, without secrets. */
export async function listRegisteredClients(deps: IdentityDeps): Promise<ClientView[]> {
  return (await listClients(deps.db)).map(view);
}
