import { z } from '@hono/zod-openapi';
import { uuid } from '../../../platform/http/index.ts';

const erased = 'Null once the customer was erased (the key sealing it was shredded).';

export const messageSchema = z
  .object({
    id: uuid(),
    eventId: uuid().openapi({ description: 'The event the message answers: one message per event.' }),
    eventName: z.string(),
    eventVersion: z.number().int(),
    reference: z.string().openapi({ description: 'What it is about: the order id.' }),
    template: z.string().openapi({ description: 'The template and its version it was written with: `order-confirmed@1`.' }),
    subject: z.string().nullable().openapi({ description: erased }),
    body: z
      .string()
      .nullable()
      .openapi({ description: `The plain-text body. ${erased}` }),
    recipient: z
      .string()
      .nullable()
      .openapi({ description: 'The address it went to: in full for its customer, masked for operators; null when undelivered or erased.' }),
    status: z.enum(['pending', 'delivered', 'undeliverable', 'failed']).openapi({
      description: '`pending`: on its way; `delivered`: handed to the sender; `undeliverable`: no address; `failed`: the sender kept refusing it.',
    }),
    failure: z.string().nullable().openapi({ description: 'Why it was not delivered: `no-address`, `customer-erased`, or a problem code.' }),
    createdAt: z.iso.datetime(),
    sentAt: z.iso.datetime().nullable(),
  })
  .openapi('Message');

export const messageListSchema = z.object({ items: z.array(messageSchema) }).openapi('MessageList');

export const customerMessagesSchema = z.object({ customerId: z.string(), count: z.number().int(), items: z.array(messageSchema) }).openapi('CustomerMessages');

export const messageIdParams = z.object({ messageId: uuid().openapi({ param: { name: 'messageId', in: 'path' } }) });
export const customerIdParams = z.object({
  // A user id of identity (customers are signed-in users). Not a free string: `.` or `..` as a path segment is
  // folded away by URL normalisation before routing.
  customerId: uuid().openapi({ param: { name: 'customerId', in: 'path' }, description: 'The identity user id events name.' }),
});

export type MessageDto = z.infer<typeof messageSchema>;
