import { z } from '@hono/zod-openapi';
import { uuid } from '../../../platform/http/index.ts';

const username = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must start with a lower-case letter or digit and hold only lower-case letters, digits, dot, dash and underscore');
// NIST SP 800-63B §5.1.1.2: at least 8 characters, at least 64 allowed, any characters.
const password = z.string().min(8).max(128);

export const newUserSchema = z.object({ username, password }).strict().openapi('NewUser');

export const userSchema = z.object({ id: uuid(), username: z.string(), roles: z.array(z.string()), createdAt: z.iso.datetime() }).openapi('User');

export const currentUserSchema = userSchema
  .extend({ scopes: z.array(z.string()).openapi({ description: 'What the presented token carries.' }) })
  .openapi('CurrentUser');

export type NewUserInput = z.infer<typeof newUserSchema>;
export type UserDto = z.infer<typeof userSchema>;
