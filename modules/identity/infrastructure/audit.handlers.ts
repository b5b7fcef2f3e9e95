import { principalOf, type App } from '../../../platform/http/index.ts';
import { signCheckpoint } from '../application/sign-checkpoint.ts';
import { keyHistory } from '../application/signing-keys.ts';
import * as routes from '../contract/audit.routes.ts';
import type { IdentityRuntime } from './identity-runtime.ts';

/** What the platform's audit trail asks of identity: signed checkpoints, and the keys that verify them. */
export function auditRoutes(app: App, runtime: IdentityRuntime): void {
  const { deps } = runtime;
  app.openapi(routes.signCheckpoint, async (c) => c.json(await signCheckpoint(deps, principalOf(), c.req.valid('json')), 200));
  app.openapi(routes.auditKeys, async (c) => {
    c.header('cache-control', 'public, max-age=60');
    return c.json((await keyHistory(deps)) as { keys: { kty: string; kid: string; alg: string; use: string; crv: string; x: string; y: string }[] }, 200);
  });
}
