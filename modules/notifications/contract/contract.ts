import { defineContract } from '../../../platform/contracts/index.ts';
import { getMyMessage, listCustomerMessages, listMyMessages } from './messages.routes.ts';

export const notificationsContract = defineContract('notifications', {
  routes: { listMyMessages, getMyMessage, listCustomerMessages },
});
