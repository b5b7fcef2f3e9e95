import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { customerIdParams, customerMessagesSchema, messageIdParams, messageListSchema, messageSchema } from './messages.schemas.ts';

// Access: a customer's own token (the customer role carries notifications:read).
export const listMyMessages = contractRoute({
  method: 'get',
  path: '/notifications/v1/messages',
  access: { scopes: ['notifications:read'] },
  tags: ['notifications'],
  summary: 'The messages written to the signed-in customer, newest first',
  errors: { 403: ['notifications/customer-token-required'] },
  responses: { 200: { description: 'The latest 100 messages', content: jsonContent(messageListSchema) } },
});

export const getMyMessage = contractRoute({
  method: 'get',
  path: '/notifications/v1/messages/{messageId}',
  access: { scopes: ['notifications:read'] },
  tags: ['notifications'],
  summary: 'One message written to the signed-in customer',
  request: { params: messageIdParams },
  errors: { 403: ['notifications/customer-token-required'], 404: ['notifications/message-not-found'] },
  responses: { 200: { description: 'The message', content: jsonContent(messageSchema) } },
});

// Access: operators (support answering "did you write to me?"); addresses are masked.
export const listCustomerMessages = contractRoute({
  method: 'get',
  path: '/notifications/v1/customers/{customerId}/messages',
  access: { scopes: ['operator'] },
  tags: ['notifications'],
  summary: 'What was written to a customer: how many messages, the latest 100',
  request: { params: customerIdParams },
  responses: { 200: { description: 'The count and the latest messages', content: jsonContent(customerMessagesSchema) } },
});
