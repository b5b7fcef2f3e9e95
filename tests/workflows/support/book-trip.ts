import { z } from 'zod';
import { sql } from 'drizzle-orm';
import { resultRows } from '../../../platform/db/index.ts';
import { CleaveError } from '../../../platform/http/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { defineSaga, step, type SagaTimings, type StepContext } from '../../../platform/sagas/index.ts';
import { counterContract } from './counter-contract.ts';

export const bookTripInput = z.object({ bookingId: z.string(), faults: z.record(z.string(), z.string()).default({}) });
type Input = z.output<typeof bookTripInput>;
type Ctx = StepContext<Input, ModuleContext>;

export const roomsContract = counterContract('rooms', 'trips');
export const paymentsContract = counterContract('payments', 'trips');

export interface BookTripOptions {
  /** Called at each named point (`intent-recorded:<step>`, `invoked:<step>`, `mid-invoke:confirm-booking`, …). */
  onPoint?: (point: string) => void;
  timings?: Partial<SagaTimings>;
  timeoutMs?: number;
}

/**
 * `book-trip`: reserve a room (rooms, in-process), charge the card (payments, another process over HTTP), confirm the
 * booking (local: the point of no return), issue the voucher (rooms), capture the payment (payments). A step's fault
 * comes from the saga's input; `lose-reply-once` drops the participant's answer once per process after it succeeded.
 */
export function bookTrip(options: BookTripOptions = {}) {
  const point = (p: string) => options.onPoint?.(p);
  const lost = new Set<string>();
  const remote = (contract: typeof roomsContract | typeof paymentsContract, name: string, undo: boolean) =>
    step<Input, ModuleContext>(name, {
      timeoutMs: options.timeoutMs ?? 1000,
      async invoke({ context, input, sagaId, idempotencyKey, signal }: Ctx) {
        const fault = input.faults[name];
        const answer = await context.client(contract).apply({ params: { ref: sagaId, step: name }, body: fault ? { fault } : {} }, { idempotencyKey, signal });
        if (fault === 'lose-reply-once' && !lost.has(sagaId)) {
          lost.add(sagaId);
          throw new Error(`the reply of ${name} was lost`);
        }
        return answer;
      },
      ...(undo
        ? {
            async compensate({ context, input, sagaId, idempotencyKey, signal }: Ctx) {
              const fault = input.faults[`undo-${name}`];
              await context.client(contract).undo({ params: { ref: sagaId, step: name }, body: fault ? { fault } : {} }, { idempotencyKey, signal });
            },
          }
        : {}),
    });
  const bookings = sql`trips.bookings`;
  return defineSaga<typeof bookTripInput, ModuleContext>({
    name: 'book-trip',
    input: bookTripInput,
    pointOfNoReturn: 'confirm-booking',
    timings: { pollMs: 100, leaseMs: 3000, retryBaseMs: 100, retryMaxMs: 800, invokeAttempts: 4, compensationAttempts: 30, ...options.timings },
    trace: (p) => point(`${p.at}:${p.step}`),
    steps: [
      remote(roomsContract, 'reserve-room', true),
      remote(paymentsContract, 'charge-card', true),
      step<Input, ModuleContext>('confirm-booking', {
        timeoutMs: options.timeoutMs ?? 1000,
        async invoke({ context, input }) {
          if (input.faults['confirm-booking'] === 'fail') throw new CleaveError('conflict', 'trips/not-confirmable', 'The booking cannot be confirmed.');
          return context.transaction(async (tx) => {
            // Idempotent by state: a repeat after a crash finds it confirmed and changes nothing.
            const r = await tx.execute(
              sql`update ${bookings} set status = 'confirmed', confirmations = confirmations + 1 where id = ${input.bookingId} and status = 'pending' returning id`,
            );
            point('mid-invoke:confirm-booking');
            return { confirmed: resultRows(r).length > 0 };
          });
        },
        async compensate({ context, input }) {
          await context.transaction((tx) =>
            tx.execute(
              sql`update ${bookings} set status = 'cancelled', cancellations = cancellations + 1 where id = ${input.bookingId} and status = 'pending'`,
            ),
          );
        },
      }),
      remote(roomsContract, 'issue-voucher', false),
      remote(paymentsContract, 'capture-payment', false),
    ],
  });
}
