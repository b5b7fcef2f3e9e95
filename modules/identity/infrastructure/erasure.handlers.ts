import { principalOf, type App } from '../../../platform/http/index.ts';
import { eraseAccount, eraseSelf, getErasure, type Erasure } from '../application/erase-user.ts';
import * as routes from '../contract/erasure.routes.ts';
import type { IdentityRuntime } from './identity-runtime.ts';

const dto = (e: Erasure) => ({ id: e.id, userId: e.userId, requestedBy: e.requestedBy, requestedAt: e.requestedAt.toISOString() });

/** Erasure: by the account holder, by an operator, and the request's record. */
export function erasureRoutes(app: App, runtime: IdentityRuntime): void {
  const { deps } = runtime;

  app.openapi(routes.eraseCurrentUser, async (c) => c.json(dto(await eraseSelf(deps, principalOf())), 202));

  app.openapi(routes.eraseUser, async (c) => c.json(dto(await eraseAccount(deps, principalOf(), c.req.valid('param').userId)), 202));

  app.openapi(routes.getErasure, async (c) => c.json(dto(await getErasure(deps, c.req.valid('param').erasureId)), 200));
}
