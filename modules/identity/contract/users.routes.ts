import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { currentUserSchema, newUserSchema, userContactSchema, userIdParams, userListSchema, userLookupSchema, userSchema } from './users.schemas.ts';

// Access: public (self-service sign-up; the account gets the customer role).
export const registerUser = contractRoute({
  method: 'post',
  path: '/identity/v1/users',
  access: 'public',
  // Sign-ups per client IP are held to the strict limit, against mass account creation.
  credentials: { accounts: [] },
  tags: ['identity'],
  summary: 'Sign up: a customer account',
  request: { body: { content: jsonContent(newUserSchema), required: true } },
  errors: { 409: ['identity/username-taken', 'identity/email-taken'] },
  responses: { 201: { description: 'The account', content: jsonContent(userSchema) } },
});

// Access: a user's access token (every role carries `profile`).
export const getCurrentUser = contractRoute({
  method: 'get',
  path: '/identity/v1/users/me',
  access: { scopes: ['profile'] },
  tags: ['identity'],
  summary: 'The signed-in user',
  errors: { 403: ['identity/user-token-required'], 404: ['identity/user-not-found'] },
  responses: { 200: { description: 'The user the token was issued for', content: jsonContent(currentUserSchema) } },
});

// Access: scope identity:admin (an administrator finding an account by e-mail, through the blind index).
export const findUsers = contractRoute({
  method: 'get',
  path: '/identity/v1/users',
  access: { scopes: ['identity:admin'] },
  tags: ['identity'],
  summary: 'Find users by e-mail address (exact match, through its blind index)',
  request: { query: userLookupSchema },
  responses: { 200: { description: 'The user holding that address, if any', content: jsonContent(userListSchema) } },
});

// Access: module notifications only, as itself (it writes to customers; nobody else reads their addresses this way).
export const getUserContact = contractRoute({
  method: 'get',
  path: '/identity/v1/users/{userId}/contact',
  access: { modules: ['notifications'] },
  tags: ['identity'],
  summary: "A user's contact details, opened: where to write to them",
  request: { params: userIdParams },
  errors: { 404: ['identity/user-not-found'] },
  responses: { 200: { description: 'The contact details (null fields: none given, or erased)', content: jsonContent(userContactSchema) } },
});
