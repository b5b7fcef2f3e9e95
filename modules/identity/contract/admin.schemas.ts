import { z } from '@hono/zod-openapi';
import { text } from '../../../platform/http/index.ts';

export const signingKeySchema = z
  .object({
    kid: z.string(),
    alg: z.string(),
    status: z.enum(['next', 'active', 'verifying', 'retired']).openapi({
      description:
        '`next`: published, signs from `signsFrom`; `active`: signs; `verifying`: superseded, verifies what it signed; `retired`: gone from the JWKS.',
    }),
    createdAt: z.iso.datetime(),
    signsFrom: z.iso.datetime(),
    retiredAt: z.iso.datetime().nullable(),
  })
  .openapi('SigningKey');

export const signingKeyListSchema = z.object({ keys: z.array(signingKeySchema) }).openapi('SigningKeyList');

export const rotationSchema = z
  .object({ kid: z.string(), previous: z.string().nullable(), signsFrom: z.iso.datetime() })
  .openapi('KeyRotation', { description: 'The new key, published now, signing from `signsFrom`.' });

const scope = z.string().regex(/^[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)?$/, 'must be a scope such as inventory:read');

export const newMachineClientSchema = z
  .object({ name: text({ min: 1, max: 200 }), scopes: z.array(scope).max(50) })
  .strict()
  .openapi('NewMachineClient');

/** Loopback addresses, where a development browser client may use plain HTTP (RFC 8252 §7.3). */
const loopback = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;

/** An authority with user information (`user:password@`, even an empty one), which RFC 3986 §3.2.1 deprecates. */
const userinfo = /^[^:/?#]+:\/\/[^/?#]*@/;

const redirectUri = z
  .string()
  .max(2000)
  // A URI that carries credentials, or looks like one host while naming another (`https://good.example@evil.example`).
  .refine((v) => !userinfo.test(v), { message: 'must not carry user information (user:password@ before the host)', abort: true })
  .refine((v) => URL.canParse(v) && !v.includes('#') && (v.startsWith('https://') || loopback.test(v)), {
    message: 'must be an absolute https URL without a fragment (plain http only on localhost, 127.0.0.1 or [::1])',
  });

export const browserClientSchema = z
  .object({
    name: text({ min: 1, max: 200 }),
    scopes: z.array(scope).min(1).max(50),
    redirectUris: z
      .array(redirectUri)
      .min(1)
      .max(50)
      .openapi({ description: "Where the identity module may send the code, exactly: e.g. each host's `<PUBLIC_URL>/ops/callback`." }),
  })
  .strict()
  .openapi('BrowserClient');

export const clientIdParams = z.object({
  clientId: z
    .string()
    .regex(/^[a-z][a-z0-9-]{2,63}$/, 'must be 3 to 64 lower-case letters, digits and dashes, starting with a letter')
    .openapi({ param: { name: 'clientId', in: 'path' }, example: 'cleave-web' }),
});

export const clientSchema = z
  .object({
    clientId: z.string(),
    name: z.string(),
    type: z.enum(['confidential', 'public']),
    grantTypes: z.array(z.string()),
    scopes: z.array(z.string()),
    redirectUris: z.array(z.string()),
    createdAt: z.iso.datetime(),
  })
  .openapi('Client');

export const registeredClientSchema = clientSchema
  .extend({ clientSecret: z.string().openapi({ description: 'Shown once: only its hash is kept.' }) })
  .openapi('RegisteredClient');

export const clientListSchema = z.object({ items: z.array(clientSchema) }).openapi('ClientList');
