import { principalOf, type App } from '../../../platform/http/index.ts';
import { confirmErasure, eraseAccount, eraseSelf, getErasure, type Erasure } from '../application/erase-user.ts';
import * as routes from '../contract/erasure.routes.ts';
import type { IdentityRuntime } from './identity-runtime.ts';

/** `{ carts: 1 }` as the contract carries it: `[{ table: 'carts', rows: 1 }]`. */
const tablesOf = (erased: Record<string, number>) => Object.entries(erased).map(([table, rows]) => ({ table, rows }));

const dto = (e: Erasure) => ({
  id: e.id,
  userId: e.userId,
  requestedBy: e.requestedBy,
  requestedAt: e.requestedAt.toISOString(),
  modules: e.modules.map((m) => ({ ...m, erased: m.erased && tablesOf(m.erased), confirmedAt: m.confirmedAt?.toISOString() ?? null })),
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
    const erased = Object.fromEntries(c.req.valid('json').erased.map((e) => [e.table, e.rows]));
    const confirmation = await confirmErasure(deps, principalOf(), erasureId, module, erased);
    return c.json({ ...confirmation, erased: tablesOf(confirmation.erased), confirmedAt: confirmation.confirmedAt.toISOString() }, 200);
  });
}
