import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { resultRows, type Executor } from '../../../platform/db/index.ts';
import { CleaveError, createRouter } from '../../../platform/http/index.ts';
import { defineModule } from '../../../platform/host/index.ts';
import { counterContract, type Effect } from './counter-contract.ts';

export interface CounterOptions {
  /** Called at `mid-invoke:<step>` / `mid-compensate:<step>`, inside the effect's transaction (the crash tests kill there). */
  onPoint?: (point: string) => void;
  /** How long a `slow-once` or `hang` apply sleeps before it applies (longer than the saga step's timeout). */
  slowMs?: number;
}

const row = (r: Record<string, unknown>): Effect => ({
  ref: r.ref as string,
  step: r.step as string,
  effects: Number(r.effects),
  compensations: Number(r.compensations),
  voided: Boolean(r.voided),
});

/**
 * A test-only saga participant: applies and undoes effects per (ref, step) as plain counter increments, so only the
 * `Idempotency-Key` gate stands between a retried call and a second effect. An undo that comes first voids the
 * apply, so an apply that arrives late (after its saga timed it out and compensated) is net zero too. Faults, by
 * the body's `fault`: `fail` (declined), `fail-twice` (unavailable twice: a refusal would be stored under the key and replayed), `fail-once` (unavailable once), `slow-once`, `hang`, and for undo `undo-fails-twice`.
 */
export function counterModule(name: 'rooms' | 'payments', caller: string, options: CounterOptions = {}) {
  const contract = counterContract(name, caller);
  const seen = new Map<string, number>();
  const nth = (key: string) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n;
  };
  const table = sql`${sql.identifier(name)}.effects`;
  const write = async (tx: Executor, q: ReturnType<typeof sql>) => row(resultRows<Record<string, unknown>>(await tx.execute(q))[0] as Record<string, unknown>);
  return defineModule({
    name,
    version: '0.0.0',
    owner: 'tests',
    costCentre: 'cc-test',
    description: `Test saga participant ${name}.`,
    contract,
    migrations: fileURLToPath(new URL(`../migrations/${name}`, import.meta.url)),
    data: { effects: { classification: 'internal', retention: '30d' } },
    routes(ctx) {
      const app = createRouter();
      app.openapi(contract.routes.apply, async (c) => {
        const { ref, step } = c.req.valid('param');
        const { fault } = c.req.valid('json');
        const n = nth(`apply:${ref}:${step}`);
        if (fault === 'fail') throw new CleaveError('conflict', `${name}/declined`, `${name} declines ${step} of ${ref}.`);
        if (fault === 'fail-twice' && n <= 2) throw new CleaveError('unavailable', `${name}/unavailable`, `${name} cannot ${step} yet.`);
        if (fault === 'fail-once' && n === 1) throw new CleaveError('unavailable', `${name}/unavailable`, `${name} is briefly unavailable.`);
        if (fault === 'hang' || (fault === 'slow-once' && n === 1)) await new Promise((r) => setTimeout(r, options.slowMs ?? 3000));
        const effect = await ctx.transaction(async (tx) => {
          const applied = await write(
            tx,
            sql`insert into ${table} (ref, step, effects) values (${ref}, ${step}, 1)
                on conflict (ref, step) do update set effects = effects.effects + case when effects.voided then 0 else 1 end returning *`,
          );
          options.onPoint?.(`mid-invoke:${step}`);
          return applied;
        });
        return c.json(effect, 200);
      });
      app.openapi(contract.routes.undo, async (c) => {
        const { ref, step } = c.req.valid('param');
        const { fault } = c.req.valid('json');
        if (fault === 'undo-fails-twice' && nth(`undo:${ref}:${step}`) <= 2)
          throw new CleaveError('unavailable', `${name}/unavailable`, `${name} cannot undo yet.`);
        const effect = await ctx.transaction(async (tx) => {
          const undone = await write(
            tx,
            sql`insert into ${table} (ref, step, voided) values (${ref}, ${step}, true)
                on conflict (ref, step) do update set voided = true,
                  compensations = effects.compensations + case when effects.effects > effects.compensations then 1 else 0 end returning *`,
          );
          options.onPoint?.(`mid-compensate:${step}`);
          return undone;
        });
        return c.json(effect, 200);
      });
      app.openapi(contract.routes.list, async (c) => {
        const rows = resultRows<Record<string, unknown>>(await ctx.db.execute(sql`select * from ${table} order by ref, step`));
        return c.json({ items: rows.map(row) }, 200);
      });
      return app;
    },
  });
}
