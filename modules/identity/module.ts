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
    users: 'confidential',
    clients: 'confidential',
    refresh_tokens: 'restricted',
    authorization_codes: 'restricted',
    signing_keys: 'restricted',
    outbox: 'internal',
    inbox: 'internal',
    dead_letters: 'internal',
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
