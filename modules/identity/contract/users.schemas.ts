import { z } from '@hono/zod-openapi';
import { text, uuid } from '../../../platform/http/index.ts';

const username = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must start with a lower-case letter or digit and hold only lower-case letters, digits, dot, dash and underscore');
// NIST SP 800-63B §5.1.1.2: at least 8 characters, at least 64 allowed, any characters.
const password = z.string().min(8).max(128);

// A plain pattern rather than z.email(): the contract then says exactly what is accepted (OpenAPI has no portable
// definition of format: email), and no address is refused that the document allows.
const email = z
  .string()
  .max(254)
  .regex(/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/, 'must be an e-mail address such as ada@example.org')
  .openapi({ description: 'Kept encrypted at rest; found again through its blind index (compared lower-cased).' });
const displayName = text({ min: 1, max: 200 }).openapi({ description: 'Kept encrypted at rest.' });

export const newUserSchema = z.object({ username, password, email: email.optional(), displayName: displayName.optional() }).strict().openapi('NewUser');

export const userSchema = z
  .object({
    id: uuid(),
    username: z.string(),
    roles: z.array(z.string()),
    email: z.string().nullable().openapi({ description: 'Null when none was given, or once the user was erased.' }),
    displayName: z.string().nullable().openapi({ description: 'Null when none was given, or once the user was erased.' }),
    createdAt: z.iso.datetime(),
  })
  .openapi('User');

export const userLookupSchema = z.object({ email: email.openapi({ description: 'The exact address (compared lower-cased and trimmed).' }) }).strict();

export const userListSchema = z.object({ items: z.array(userSchema) }).openapi('UserList');

export const currentUserSchema = userSchema
  .extend({ scopes: z.array(z.string()).openapi({ description: 'What the presented token carries.' }) })
  .openapi('CurrentUser');

export const userIdParams = z.object({ userId: uuid().openapi({ param: { name: 'userId', in: 'path' } }) });

export const userContactSchema = z
  .object({
    userId: uuid(),
    email: z.string().nullable().openapi({ description: 'Null when the user gave none, or once the user was erased.' }),
    displayName: z.string().nullable().openapi({ description: 'Null when the user gave none, or once the user was erased.' }),
  })
  .openapi('UserContact');

export type NewUserInput = z.infer<typeof newUserSchema>;
export type UserDto = z.infer<typeof userSchema>;
export type UserContactDto = z.infer<typeof userContactSchema>;

export const erasureIdParams = z.object({ erasureId: uuid().openapi({ param: { name: 'erasureId', in: 'path' } }) });

const erasedCounts = z
  .array(z.object({ table: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a table name'), rows: z.number().int().min(0) }).strict())
  .max(200)
  .openapi({
    description: 'Rows erased or anonymised per table (counts only).',
    example: [
      { table: 'carts', rows: 1 },
      { table: 'order_detail', rows: 1 },
    ],
  });

export const moduleNameParams = z.object({
  erasureId: uuid().openapi({ param: { name: 'erasureId', in: 'path' } }),
  module: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a module name')
    .openapi({ param: { name: 'module', in: 'path' } }),
});

export const confirmationRequestSchema = z.object({ erased: erasedCounts }).strict().openapi('ErasureConfirmationRequest');

export const confirmationSchema = z
  .object({ erasureId: uuid(), module: z.string(), erased: erasedCounts, confirmedAt: z.iso.datetime() })
  .openapi('ErasureConfirmation');

export const erasureSchema = z
  .object({
    id: uuid(),
    userId: uuid(),
    requestedBy: z.string().openapi({ description: '`user` (the account holder) or `operator:<subject>`.' }),
    requestedAt: z.iso.datetime(),
    modules: z
      .array(
        z.object({
          module: z.string(),
          status: z.enum(['confirmed', 'pending']),
          erased: erasedCounts.nullable(),
          confirmedAt: z.iso.datetime().nullable(),
        }),
      )
      .openapi({
        description:
          'The erasure report: identity and every module of the application that erases on `identity.user-erased`, each `confirmed` (with what it erased) or still `pending`.',
      }),
    complete: z.boolean().openapi({ description: 'Every module confirmed its part.' }),
  })
  .openapi('Erasure');

export type ErasureDto = z.infer<typeof erasureSchema>;
