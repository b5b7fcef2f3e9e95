import { principalOf, type App } from '../../../platform/http/index.ts';
import { endUserOf } from '../../../platform/security/index.ts';
import { userContact } from '../application/user-contact.ts';
import { currentUser, findUsersByEmail, signUp } from '../application/users.ts';
import * as routes from '../contract/users.routes.ts';
import type { IdentityRuntime } from './identity-runtime.ts';

/** Sign-up, the signed-in user, finding users by e-mail (administrators), and a user's contact (notifications). */
export function userRoutes(app: App, runtime: IdentityRuntime): void {
  const { deps } = runtime;

  app.openapi(routes.registerUser, async (c) => {
    const user = await signUp(deps, c.req.valid('json'));
    return c.json({ ...user, createdAt: user.createdAt.toISOString() }, 201);
  });

  app.openapi(routes.getCurrentUser, async (c) => {
    const user = await currentUser(deps, endUserOf(principalOf()));
    return c.json({ ...user, createdAt: user.createdAt.toISOString() }, 200);
  });

  app.openapi(routes.findUsers, async (c) => {
    const users = await findUsersByEmail(deps, c.req.valid('query').email);
    return c.json({ items: users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })) }, 200);
  });

  app.openapi(routes.getUserContact, async (c) => c.json(await userContact(deps, c.req.valid('param').userId), 200));
}
