import { randomBytes } from 'node:crypto';
import { UnknownScope } from '../domain/errors.ts';
import { digest, findClient, listClients, opaqueToken, upsertClient, type ClientRow } from '../infrastructure/identity-repository.ts';
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
  await upsertClient(deps.db, { id, name: input.name, secretHash: digest(secret), redirectUris: [], grantTypes: ['client_credentials'], scopes });
  const row = await findClient(deps.db, id);
  if (!row) throw new Error(`Client ${id} vanished after it was registered.`);
  return { ...view(row), clientSecret: secret };
}

/** Every registered client, without secrets. */
export async function listRegisteredClients(deps: IdentityDeps): Promise<ClientView[]> {
  return (await listClients(deps.db)).map(view);
}
