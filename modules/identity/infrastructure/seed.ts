import { registerUser } from '../application/register-user.ts';
import type { IdentityDeps } from '../application/identity-deps.ts';
import { findUserByName, upsertClient } from './identity-repository.ts';

/** The demo accounts `npm start` creates in development, with known passwords (printed once, on first start). */
export const demoUsers = [
  { username: 'alice', password: 'alice-demo-password', roles: ['customer'], email: 'alice@example.com' },
  { username: 'sam', password: 'sam-demo-password', roles: ['staff'] },
  { username: 'olga', password: 'olga-demo-password', roles: ['operator', 'admin'] },
] as const;

/** The public client browser apps (the operations page, the API reference) sign in with: PKCE, no secret. */
export function demoClient(redirectUris: string[]) {
  return {
    id: 'cleave-web',
    name: 'Cleave web (operations page, API reference)',
    secretHash: null,
    redirectUris,
    grantTypes: ['authorization_code', 'refresh_token', 'password'],
    scopes: [
      'profile',
      'operator',
      'identity:admin',
      'catalog:write',
      'inventory:read',
      'inventory:write',
      'ordering:read',
      'ordering:write',
      'notifications:read',
      'payments:read',
      'payments:write',
    ],
  };
}

/** Creates the demo users and the web client when missing; returns the lines to print for a newcomer. */
export async function seedIdentity(deps: IdentityDeps, publicUrl: string): Promise<string[]> {
  await upsertClient(deps.db, demoClient([`${publicUrl}/ops/callback`, `${publicUrl}/docs/oauth2-redirect.html`]));
  const created: string[] = [];
  for (const user of demoUsers) {
    if (await findUserByName(deps.db, user.username)) continue;
    await registerUser(deps, { username: user.username, password: user.password, roles: [...user.roles], email: 'email' in user ? user.email : undefined });
    created.push(`${user.username} / ${user.password} (${user.roles.join(', ')})`);
  }
  return created.length === 0 ? [] : ['Demo users (development only):', ...created.map((c) => `  ${c}`)];
}
