import { CleaveError, createRouter, type App } from '../http/index.ts';
import { getSaga, listSagas, resolveSaga, retrySaga } from './ops.routes.ts';
import type { SagaRunner } from './runner.ts';
import type { HistoryEntry, SagaRow, SagaState } from './store.ts';

const view = (module: string, row: SagaRow) => ({
  module,
  id: row.id,
  name: row.name,
  state: row.state,
  steps: row.steps,
  attempts: row.attempts,
  lastError: row.lastError,
  nextAt: row.nextAt,
  leased: row.leaseOwner !== null && row.leaseUntil !== null && Date.parse(row.leaseUntil) > Date.now(),
  startedAt: row.startedAt,
  updatedAt: row.updatedAt,
  endedAt: row.endedAt,
});

/**
 * Where a retried stuck saga goes on: forward when it was stuck past its point of no return (a step refused there; it
 * cannot be compensated), otherwise its compensation again.
 */
function retriedState(found: SagaRow, runner: SagaRunner): SagaState {
  const saga = runner.definitions.find((d) => d.name === found.name);
  const pivot = saga ? saga.steps.findIndex((s) => s.name === saga.pointOfNoReturn) : -1;
  return saga && found.cursor > pivot ? 'running' : 'compensating';
}

/**
 * `GET /ops/sagas`, `GET /ops/sagas/{module}/{id}`, and the operator's two ways out of `stuck`: retry (go on as it was
 * going: compensate again, or past the point of no return send the refused step again) and resolve (close by hand).
 * Each change is written with its audit entry in one transaction.
 */
export function sagaOpsRoutes(runners: () => readonly SagaRunner[]): App {
  const app = createRouter();
  const runnerOf = (module: string) => {
    const runner = runners().find((r) => r.module === module);
    if (!runner) throw new CleaveError('not_found', 'sagas/module-not-hosted', `No module ${module} with sagas runs here.`);
    return runner;
  };
  /** `to`: the state to move a stuck saga to, from the saga as found (`retry` goes on in the direction it was going). */
  const change = async (
    module: string,
    id: string,
    to: SagaState | ((found: SagaRow, runner: SagaRunner) => SagaState),
    action: string,
    entry: HistoryEntry,
  ) => {
    const runner = runnerOf(module);
    const row = await runner.store.db.transaction(async (tx) => {
      const found = await runner.store.get(tx, id, true);
      if (!found) throw new CleaveError('not_found', 'sagas/saga-not-found', `No saga ${id} in ${module}.`);
      if (found.state !== 'stuck')
        throw new CleaveError('conflict', 'sagas/not-stuck', `Saga ${id} is ${found.state}; only a stuck saga can be changed by hand.`);
      await runner.store.override(tx, found, typeof to === 'function' ? to(found, runner) : to, entry);
      await runner.audit.record(tx, {
        action,
        target: `${module}/${id}`,
        outcome: 'success',
        detail: { saga: found.name, from: found.state, to, ...entry.detail },
      });
      return found;
    });
    runner.wake();
    return view(module, (await runner.store.get(runner.store.db, row.id)) as SagaRow);
  };
  app.openapi(listSagas, async (c) => {
    const { state, module, limit } = c.req.valid('query');
    // An empty list would say "nothing stuck" of a module whose sagas another host runs (after an extraction).
    if (module !== undefined) runnerOf(module);
    const lists = await Promise.all(
      runners()
        .filter((r) => module === undefined || r.module === module)
        .map(async (r) => (await r.store.list(state, limit)).map((row) => view(r.module, row))),
    );
    const items = lists
      .flat()
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, limit);
    return c.json({ items }, 200);
  });
  app.openapi(getSaga, async (c) => {
    const { module, id } = c.req.valid('param');
    const runner = runnerOf(module);
    const row = await runner.store.get(runner.store.db, id);
    if (!row) throw new CleaveError('not_found', 'sagas/saga-not-found', `No saga ${id} in ${module}.`);
    return c.json({ ...view(module, row), history: await runner.store.history(id) }, 200);
  });
  app.openapi(retrySaga, async (c) => {
    const { module, id } = c.req.valid('param');
    const reason = (c.req.valid('json') as { reason?: string } | undefined)?.reason ?? null;
    const entry = { action: 'operator', outcome: 'retried', detail: { reason } };
    return c.json(await change(module, id, retriedState, 'platform.saga-retried', entry), 200);
  });
  app.openapi(resolveSaga, async (c) => {
    const { module, id } = c.req.valid('param');
    const { outcome, reason } = c.req.valid('json');
    const entry = { action: 'operator', outcome: `resolved-${outcome}`, detail: { reason } };
    return c.json(await change(module, id, outcome, 'platform.saga-resolved', entry), 200);
  });
  return app;
}
