import type { Line, Money } from './money.ts';

export type OrderStatus = 'pending' | 'confirmed' | 'completed' | 'rejected';

export interface RejectionReason {
  code: string;
  message: string;
}

/** The order's stream events as the domain sees them (`type` is the aggregate's key of each). */
export type OrderEvent = { at: Date } & (
  | { type: 'placed'; payload: { orderId: string; customerId: string; cartId: string; lines: Line[]; total: Money } }
  | { type: 'stockReserved'; payload: { orderId: string; reservationIds: string[] } }
  | { type: 'paymentAuthorized'; payload: { orderId: string; intentId: string } }
  | { type: 'confirmed'; payload: { orderId: string } }
  | { type: 'rejected'; payload: { orderId: string; reason: RejectionReason } }
  | { type: 'paymentCaptured'; payload: { orderId: string; intentId: string } }
  | { type: 'stockCommitted'; payload: { orderId: string } }
  | { type: 'completed'; payload: { orderId: string } }
);

export interface StatusChange {
  status: OrderStatus;
  at: Date;
}

/** An order folded from its stream. `placed` is false for a stream with no events (no such order). */
export interface OrderState {
  placed: boolean;
  orderId: string;
  customerId: string;
  cartId: string;
  lines: Line[];
  total: Money;
  status: OrderStatus;
  reason: RejectionReason | null;
  stockReserved: boolean;
  paymentAuthorized: boolean;
  paymentCaptured: boolean;
  stockCommitted: boolean;
  history: StatusChange[];
  placedAt: Date | null;
  updatedAt: Date | null;
}

export function initialOrder(): OrderState {
  return {
    placed: false,
    orderId: '',
    customerId: '',
    cartId: '',
    lines: [],
    total: { amount: 0, currency: 'EUR' },
    status: 'pending',
    reason: null,
    stockReserved: false,
    paymentAuthorized: false,
    paymentCaptured: false,
    stockCommitted: false,
    history: [],
    placedAt: null,
    updatedAt: null,
  };
}

const moved = (state: OrderState, status: OrderStatus, at: Date): OrderState => ({
  ...state,
  status,
  history: [...state.history, { status, at }],
  updatedAt: at,
});

/** The order after one more event; pure. */
export function evolveOrder(state: OrderState, event: OrderEvent): OrderState {
  const at = event.at;
  switch (event.type) {
    case 'placed': {
      const { orderId, customerId, cartId, lines, total } = event.payload;
      return { ...initialOrder(), placed: true, orderId, customerId, cartId, lines, total, placedAt: at, updatedAt: at, history: [{ status: 'pending', at }] };
    }
    case 'stockReserved':
      return { ...state, stockReserved: true, updatedAt: at };
    case 'paymentAuthorized':
      return { ...state, paymentAuthorized: true, updatedAt: at };
    case 'confirmed':
      return moved(state, 'confirmed', at);
    case 'rejected':
      return { ...moved(state, 'rejected', at), reason: event.payload.reason };
    case 'paymentCaptured':
      return { ...state, paymentCaptured: true, updatedAt: at };
    case 'stockCommitted':
      return { ...state, stockCommitted: true, updatedAt: at };
    case 'completed':
      return moved(state, 'completed', at);
  }
}
