import type { App } from '../../../platform/http/index.ts';
import { listRegisteredClients, putBrowserClient, registerMachineClient } from '../application/machine-clients.ts';
import { listSigningKeys, rotateSigningKey } from '../application/signing-keys.ts';
import * as routes from '../contract/admin.routes.ts';
import type { IdentityRuntime } from './identity-runtime.ts';

/** Operating identity: signing keys and machine clients. Every operation needs `identity:admin` (declared on the routes). */
export function adminRoutes(app: App, runtime: IdentityRuntime): void {
  const { deps } = runtime;

  app.openapi(routes.rotateKeys, async (c) => {
    const rotation = await rotateSigningKey(deps);
    return c.json({ ...rotation, previous: rotation.previous ?? null }, 201);
  });

  app.openapi(routes.listKeys, async (c) => {
    return c.json({ keys: await listSigningKeys(deps) }, 200);
  });

  app.openapi(routes.registerClient, async (c) => {
    return c.json(await registerMachineClient(deps, c.req.valid('json')), 201);
  });

  app.openapi(routes.putBrowserClient, async (c) => {
    return c.json(await putBrowserClient(deps, c.req.valid('param').clientId, c.req.valid('json')), 200);
  });

  app.openapi(routes.listClients, async (c) => {
    return c.json({ items: await listRegisteredClients(deps) }, 200);
  });
}
