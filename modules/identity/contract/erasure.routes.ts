import { anyModule, contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { confirmationRequestSchema, confirmationSchema, erasureIdParams, erasureSchema, moduleNameParams, userIdParams } from './users.schemas.ts';

const erasureDescription =
  "Shreds the account's data key, anonymises the account (its username too), revokes its refresh tokens and publishes `identity.user-erased`, on which every module erases or anonymises its copies. Asking again answers the same erasure.";

// Access: a user's access token (every role carries `profile`): the account holder erasing their own account.
export const eraseCurrentUser = contractRoute({
  method: 'post',
  path: '/identity/v1/users/me/erasure',
  access: { scopes: ['profile'] },
  tags: ['identity'],
  summary: 'Erase the signed-in user (right to erasure, GDPR Art. 17)',
  description: erasureDescription,
  errors: { 403: ['identity/user-token-required'], 404: ['identity/user-not-found'] },
  responses: { 202: { description: 'The erasure; modules erase their copies in the background', content: jsonContent(erasureSchema) } },
});

// Access: scope identity:admin (an operator acting on a request received elsewhere).
export const eraseUser = contractRoute({
  method: 'delete',
  path: '/identity/v1/users/{userId}',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'Erase a user (right to erasure, GDPR Art. 17)',
  description: erasureDescription,
  request: { params: userIdParams },
  errors: { 404: ['identity/user-not-found'] },
  responses: { 202: { description: 'The erasure; modules erase their copies in the background', content: jsonContent(erasureSchema) } },
});

// Access: scope identity:admin.
export const getErasure = contractRoute({
  method: 'get',
  path: '/identity/v1/erasures/{erasureId}',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'An erasure request and its report: which modules confirmed their part, with what they erased',
  request: { params: erasureIdParams },
  errors: { 404: ['identity/erasure-not-found'] },
  responses: { 200: { description: 'The erasure', content: jsonContent(erasureSchema) } },
});

// Access: any module, as itself (no user); the use case accepts a module's confirmation from that module only.
export const confirmErasure = contractRoute({
  method: 'put',
  path: '/identity/v1/erasures/{erasureId}/confirmations/{module}',
  access: { modules: [anyModule] },
  tags: ['identity'],
  summary: "A module confirms it erased its copies of the erasure's subject",
  description:
    'Called by each module that erases on `identity.user-erased`, once its erasure committed (through a saga, so it is retried until identity answers). Repeating it answers the first confirmation.',
  request: { params: moduleNameParams, body: { content: jsonContent(confirmationRequestSchema), required: true } },
  errors: { 403: ['identity/erasure-confirmation-not-yours'], 404: ['identity/erasure-not-found'] },
  responses: { 200: { description: 'The confirmation', content: jsonContent(confirmationSchema) } },
});
