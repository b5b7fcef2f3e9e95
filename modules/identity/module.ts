import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleContext } from '../../platform/host/index.ts';
import { identityContract } from './contract/contract.ts';
import { identityRoutes } from './infrastructure/identity.routes.ts';
import { identityRuntime } from './infrastructure/identity-runtime.ts';
import { seedIdentity } from './infrastructure/seed.ts';

/** Demo accounts with known passwords: development only, whatever DEMO_DATA says. */
async function seed(ctx: ModuleContext): Promise<void> {
  if (ctx.config.env === 'production') {
    ctx.log.warn('identity loads no demo accounts with NODE_ENV=production (their passwords are public)');
    return;
  }
  const lines = await seedIdentity(identityRuntime(ctx).deps, ctx.config.identity.issuer);
  // Printed once, on the start that created them; the passwords are in the source, so this reveals nothing new.
  if (lines.length > 0) ctx.log.info(lines.join('\n'));
}

export const identityModule = defineModule({
  name: 'identity',
  version: '1.0.0',
  owner: 'team-platform-security',
  description: 'Users, clients and tokens: the OAuth 2.0 authorization server (RFC 6749, 7636, 7009, 8414, 9068).',
  contract: identityContract,
  migrations: fileURLToPath(new URL('../../migrations/identity', import.meta.url)),
  data: {
    users: {
      classification: 'confidential',
      subject: 'id',
      columns: {
        email: { category: 'personal', protection: 'encrypted' },
        email_index: { category: 'personal', protection: 'blind-index' },
        display_name: { category: 'personal', protection: 'encrypted' },
        // The sign-in name: looked up on every sign-in and unique, so kept in the clear (users choose it; it need not
        // identify them). Erasure must replace it rather than rely on the shredded key.
        username: { category: 'personal', protection: 'plain' },
        password_hash: { category: 'sensitive', protection: 'hashed' },
      },
    },
    clients: 'confidential',
    refresh_tokens: 'restricted',
    authorization_codes: 'restricted',
    signing_keys: 'restricted',
    // identity.user-registered carries the e-mail address and display name sealed with the user's key.
    outbox: { classification: 'internal', columns: { envelope: { category: 'personal', protection: 'encrypted' } } },
    inbox: 'internal',
    dead_letters: { classification: 'internal', columns: { envelope: { category: 'personal', protection: 'encrypted' } } },
    data_keys: 'restricted',
    idempotency_keys: 'internal',
  },
  routes: identityRoutes,
  health: (ctx) => [
    {
      name: 'signing-key',
      // Reads and unseals the active key: a wrong IDENTITY_KEK shows here, not on the first token request.
      check: async () => `kid ${(await identityRuntime(ctx).deps.keys.active()).kid}`,
    },
  ],
  seed,
});
