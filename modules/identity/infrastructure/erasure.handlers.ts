import { principalOf, type App } from '../../../platform/http/index.ts';
import { confirmErasure, eraseAccount, eraseSelf, getErasure, type Erasure } from '../application/erase-user.ts';
import * as routes from '../contract/erasure.routes.ts';
import type { IdentityRuntime } from './identity-runtime.ts';

const dto = (e: Erasure) => ({
  id: e.id,
  userId: e.userId,
  requestedBy: e.requestedBy,
  requestedAt: e.requestedAt.toISOString(),
  modules: e.modules.map((m) => ({ ...m, confirmedAt: m.confirmedAt?.toISOString() ?? null })),
  complete: e.complete,
});

/** Erasure: by the account holder, by an operator, the request's record and report, and each module's confirmation. */
export function erasureRoutes(app: App, runtime: IdentityRuntime): void {
  const { deps } = runtime;

  app.openapi(routes.eraseCurrentUser, async (c) => c.json(dto(await eraseSelf(deps, principalOf())), 202));

  app.openapi(routes.eraseUser, async (c) => c.json(dto(await eraseAccount(deps, principalOf(), c.req.valid('param').userId)), 202));

  app.openapi(routes.getErasure, async (c) => c.json(dto(await getErasure(deps, c.req.valid('param').erasureId)), 200));

  app.openapi(routes.confirmErasure, async (c) => {
    const { erasureId, module } = c.req.valid('param');
    const confirmation = await confirmErasure(deps, principalOf(), erasureId, module, c.req.valid('json').erased);
    return c.json({ ...confirmation, confirmedAt: confirmation.confirmedAt.toISOString() }, 200);
  });
}
