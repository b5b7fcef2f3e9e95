import { z } from 'zod';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { defineSaga, step } from '../../../platform/sagas/index.ts';
import { identityContract } from '../contract/contract.ts';

const input = z.object({ erasureId: z.uuid(), erased: z.record(z.string(), z.number().int().min(0)) });

/**
 * A module's confirmation of its part of an erasure, for modules that erase on `identity.user-erased`: list it in the
 * module's `sagas` (and identity in its `uses`), and start it in the erasure's own transaction with what was erased:
 * `await context.sagas.start(tx, erasureConfirmation, { erasureId, erased }, { id: erasureId })`. The saga runner calls
 * identity after the commit and retries while identity cannot answer (about an hour), so the report in
 * `GET /identity/v1/erasures/{id}` shows the module confirmed only once its erasure committed.
 */
export const erasureConfirmation = defineSaga({
  name: 'confirm-erasure',
  input,
  pointOfNoReturn: 'confirm',
  timings: { invokeAttempts: 60, retryBaseMs: 1000, retryMaxMs: 60_000 },
  steps: [
    step<z.output<typeof input>, ModuleContext>('confirm', {
      invoke: async ({ input: { erasureId, erased }, context, signal }) => {
        const tables = Object.entries(erased).map(([table, rows]) => ({ table, rows }));
        const { body } = await context
          .client(identityContract)
          .confirmErasure({ params: { erasureId, module: context.module }, body: { erased: tables } }, { signal });
        return { confirmedAt: body.confirmedAt };
      },
    }),
  ],
});
