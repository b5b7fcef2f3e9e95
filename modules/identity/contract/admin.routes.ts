import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import {
  browserClientSchema,
  clientIdParams,
  clientListSchema,
  clientSchema,
  newMachineClientSchema,
  registeredClientSchema,
  rotationSchema,
  signingKeyListSchema,
} from './admin.schemas.ts';

// Access: scope identity:admin.
export const rotateKeys = contractRoute({
  method: 'post',
  path: '/identity/v1/keys/rotate',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'Rotate the signing key: a new key is published now and signs after the activation delay',
  responses: { 201: { description: 'The new key', content: jsonContent(rotationSchema) } },
});

// Access: scope identity:admin.
export const listKeys = contractRoute({
  method: 'get',
  path: '/identity/v1/keys',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'Signing keys and their states (never their private halves)',
  responses: { 200: { description: 'Every key, oldest first', content: jsonContent(signingKeyListSchema) } },
});

// Access: scope identity:admin.
export const registerClient = contractRoute({
  method: 'post',
  path: '/identity/v1/clients',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'Register a machine client (client credentials grant); its secret is shown once',
  request: { body: { content: jsonContent(newMachineClientSchema), required: true } },
  // The answer carries the client secret: it is never stored for replay.
  idempotencyKey: false,
  errors: { 422: ['identity/unknown-scope'] },
  responses: { 201: { description: 'The client, with its secret', content: jsonContent(registeredClientSchema) } },
});

// Access: scope identity:admin.
export const putBrowserClient = contractRoute({
  method: 'put',
  path: '/identity/v1/clients/{clientId}',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'Register or replace a browser client: public (no secret), authorization code with PKCE and refresh tokens',
  description:
    "For pages that sign users in, such as each host's operations page (`OPS_CLIENT_ID`, redirect URI `<PUBLIC_URL>/ops/callback`). Replaces the client's name, scopes and redirect URIs when it exists; a confidential client of that id is not replaced.",
  request: { params: clientIdParams, body: { content: jsonContent(browserClientSchema), required: true } },
  errors: { 409: ['identity/client-not-public'], 422: ['identity/unknown-scope'] },
  responses: { 200: { description: 'The client as registered', content: jsonContent(clientSchema) } },
});

// Access: scope identity:admin.
export const listClients = contractRoute({
  method: 'get',
  path: '/identity/v1/clients',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'Registered clients (without secrets)',
  responses: { 200: { description: 'Every client', content: jsonContent(clientListSchema) } },
});
