import { z } from 'zod';
import { defineEvent } from '../../../platform/events/index.ts';

/**
 * Personal data sealed with the user's own data key (`f1.<key id>.<iv>.<tag>.<ciphertext>`), not readable in the
 * event: identity holds the key, and erasing the user shreds it, which erases every copy of the event (outbox, bus,
 * dead letters) without rewriting any of them.
 */
const sealedForUser = z.string().nullable();

/** A user signed up or was registered; e-mail address and display name sealed for the user (crypto-shredding). */
export const userRegistered = defineEvent({
  name: 'identity.user-registered',
  version: 1,
  schema: z.object({ userId: z.uuid(), username: z.string(), roles: z.array(z.string()), email: sealedForUser, displayName: sealedForUser }),
  key: (p) => p.userId,
  fields: {
    userId: { category: 'personal', protection: 'plain' },
    username: { category: 'personal', protection: 'plain' },
    email: { category: 'personal', protection: 'encrypted' },
    displayName: { category: 'personal', protection: 'encrypted' },
  },
});

/**
 * A user's account was erased (by the user or an operator): every module holding data about `userId` erases or
 * anonymises it. Carries no personal data besides the pseudonymous id; `erasureId` names the request the modules
 * confirm.
 */
export const userErased = defineEvent({
  name: 'identity.user-erased',
  version: 1,
  schema: z.object({ userId: z.uuid(), erasureId: z.uuid() }),
  key: (p) => p.userId,
  fields: { userId: { category: 'personal', protection: 'plain' } },
});
