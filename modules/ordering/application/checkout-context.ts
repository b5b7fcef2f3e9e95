import { z } from 'zod';
import { isDomainError } from '../../../platform/http/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import type { CompensateContext, StepContext } from '../../../platform/sagas/index.ts';
import { OrderNotFound } from '../domain/errors.ts';
import type { OrderState } from '../domain/order.ts';
import { order } from '../infrastructure/order-aggregate.ts';

/** The checkout saga's input: the order; everything else is read from its stream, the source of truth. */
export const checkoutInput = z.object({ orderId: z.uuid() });
export type CheckoutInput = z.output<typeof checkoutInput>;
export type CheckoutStep = StepContext<CheckoutInput, ModuleContext>;
export type CheckoutUndo = CompensateContext<CheckoutInput, ModuleContext>;

/** The order a step works on, folded from its stream. */
export async function loadPlacedOrder(context: ModuleContext, orderId: string): Promise<OrderState> {
  const { state } = await order.load(context.db, orderId);
  if (!state.placed) throw new OrderNotFound(orderId);
  return state;
}

/** Whether `error` is a participant's refusal with one of `codes` (a problem it answered, not a failure to answer). */
export function refusedWith(error: unknown, ...codes: string[]): boolean {
  return isDomainError(error) && codes.includes(error.code);
}
