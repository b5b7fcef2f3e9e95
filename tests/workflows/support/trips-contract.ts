import { z } from '@hono/zod-openapi';
import { defineContract } from '../../../platform/contracts/index.ts';
import { contractRoute, jsonContent } from '../../../platform/http/index.ts';

const id = z.string().regex(/^[A-Za-z0-9-]{1,80}$/);
export const booking = z.object({
  id: z.string(),
  status: z.enum(['pending', 'confirmed', 'cancelled']),
  confirmations: z.number().int(),
  cancellations: z.number().int(),
});

/** A test-only orchestrating module: a booking, whose `book-trip` saga reserves, charges, confirms and fulfils it. */
export const tripsContract = defineContract('trips', {
  routes: {
    book: contractRoute({
      method: 'post',
      path: '/trips/v1/bookings',
      access: { scopes: ['trips:write'] },
      tags: ['trips'],
      summary: 'Book a trip: answers 202 at once, the saga runs in the background',
      request: {
        body: {
          required: true,
          content: jsonContent(z.object({ id, faults: z.record(z.string(), z.string()).default({}) })),
        },
      },
      responses: {
        202: {
          description: 'Accepted; `Location` is the booking, `saga` the operator view of its saga',
          content: jsonContent(z.object({ id: z.string(), status: z.string(), saga: z.string() })),
        },
      },
    }),
    list: contractRoute({
      method: 'get',
      path: '/trips/v1/bookings',
      access: { scopes: ['trips:read'] },
      tags: ['trips'],
      summary: 'Every booking, for the test to check',
      responses: { 200: { description: 'Bookings', content: jsonContent(z.object({ items: z.array(booking) })) } },
    }),
  },
});
