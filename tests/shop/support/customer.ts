import { randomUUID } from 'node:crypto';

/** Sends a request to the shop's entry point (a process over HTTP, or a host's `app.request`). */
export type Send = (path: string, init?: RequestInit) => Promise<Response> | Response;

export interface Customer {
  userId: string;
  username: string;
  /** A bearer header with a fresh-enough user token (password grant through the web client, renewed as it ages). */
  auth(): Promise<Record<string, string>>;
}

export interface PlacedOrder {
  orderId: string;
  customer: Customer;
  lines: { productId: string; quantity: number }[];
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function expectStatus(response: Response, statuses: number[], what: string): Promise<unknown> {
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text();
  if (!statuses.includes(response.status)) throw new Error(`${what}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Waits until the demo web client exists (the demo data is seeded as the host starts): the password grant needs it. */
export async function webClientReady(send: Send): Promise<void> {
  const form = new URLSearchParams({ grant_type: 'password', client_id: 'cleave-web', username: 'nobody', password: 'nothing' });
  for (let attempt = 1; ; attempt++) {
    const response = await send('/identity/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const body = await response.text();
    if (response.status < 500 && !body.includes('invalid_client')) return;
    if (attempt >= 360) throw new Error(`web client not ready: ${response.status} ${body.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Signs a new customer up (public route) and signs in with the password grant (IDENTITY_PASSWORD_GRANT=true). */
export async function signUpCustomer(send: Send, name = `c${randomUUID().slice(0, 12)}`): Promise<Customer> {
  const password = `pw-${randomUUID()}`;
  const created = (await expectStatus(
    await send('/identity/v1/users', { method: 'POST', ...json({ username: name, password, email: `${name}@example.com` }) }),
    [201],
    'sign-up',
  )) as { id: string };
  let held: { token: string; until: number } | undefined;
  return {
    userId: created.id,
    username: name,
    async auth() {
      if (!held || held.until < Date.now()) {
        const form = new URLSearchParams({ grant_type: 'password', client_id: 'cleave-web', username: name, password });
        const response = await send('/identity/v1/token', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
        const body = (await expectStatus(response, [200], 'token')) as { access_token: string; expires_in: number };
        held = { token: body.access_token, until: Date.now() + body.expires_in * 500 };
      }
      return { authorization: `Bearer ${held.token}` };
    },
  };
}

/**
 * Sends one request as `customer`, as a web client would: a 429 or 503 (the limits the caller set) again after the
 * time the answer asks for, and a connection the server reset again after a pause (every request the shop's client
 * sends is safe to repeat: a new cart, a line set to a quantity, a checkout with its Idempotency-Key).
 */
async function callAs(send: Send, customer: Customer, path: string, init: RequestInit, ok: number[], what: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await send(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...(await customer.auth()) } });
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 500 * attempt));
      continue;
    }
    if ((response.status === 429 || response.status === 503) && attempt < 50) {
      await response.body?.cancel();
      const after = Number(response.headers.get('retry-after') ?? '1');
      await new Promise((r) => setTimeout(r, Math.min(5, Math.max(0.2, after)) * 1000 * (0.5 + Math.random())));
      continue;
    }
    return expectStatus(response, ok, what);
  }
}

export interface ReadyCart {
  cartId: string;
  /**
   * Checks the cart out (202 with the order). Safe to send again (the same Idempotency-Key, and a checked-out cart
   * answers its order), e.g. after the host died before answering.
   */
  submit(): Promise<PlacedOrder>;
}

/** A cart with its lines, ready to check out: what a shop's web client builds before the customer pays. */
export async function fillCart(send: Send, customer: Customer, lines: { productId: string; quantity: number }[]): Promise<ReadyCart> {
  const cart = (await callAs(send, customer, '/ordering/v1/carts', { method: 'POST', ...json({}) }, [201], 'create cart')) as { id: string };
  for (const line of lines) {
    await callAs(
      send,
      customer,
      `/ordering/v1/carts/${cart.id}/lines/${line.productId}`,
      { method: 'PUT', ...json({ quantity: line.quantity }) },
      [200, 201],
      'add line',
    );
  }
  // An Idempotency-Key makes the checkout safe to send again after a lost answer.
  const key = randomUUID();
  return {
    cartId: cart.id,
    async submit() {
      const init = { method: 'POST', headers: { 'idempotency-key': key } };
      const placed = (await callAs(send, customer, `/ordering/v1/carts/${cart.id}/checkout`, init, [202], 'checkout')) as { orderId: string };
      return { orderId: placed.orderId, customer, lines };
    },
  };
}

/**
 * A checkout as a shop's web client does it: a cart, its lines, then checkout (202 with the order's URL). Retries a
 * 429 or 503 (the limits the caller set) after the time the answer asks for; anything else unexpected throws.
 */
export async function checkout(send: Send, customer: Customer, lines: { productId: string; quantity: number }[]): Promise<PlacedOrder> {
  return (await fillCart(send, customer, lines)).submit();
}

export interface OrderView {
  id: string;
  status: string;
  reason?: { code: string; message: string } | null;
  [key: string]: unknown;
}

/** Reads an order as its customer. */
export async function readOrder(send: Send, order: PlacedOrder): Promise<OrderView> {
  const response = await send(`/ordering/v1/orders/${order.orderId}`, { headers: await order.customer.auth() });
  return (await expectStatus(response, [200], `order ${order.orderId}`)) as OrderView;
}

/** Follows an order until it is completed or rejected (or the deadline passes: then throws with where it stands). */
export async function followOrder(send: Send, order: PlacedOrder, deadlineMs = 120_000): Promise<OrderView> {
  const until = Date.now() + deadlineMs;
  let last: OrderView | string = 'never read';
  // Quick at first (most checkouts end within a second), then once a second: many followers must not flood the host.
  for (let pause = 100; Date.now() < until; pause = Math.min(1000, pause * 1.5)) {
    try {
      last = await readOrder(send, order);
      if (last.status === 'completed' || last.status === 'rejected') return last;
    } catch (error) {
      // A host restarting, a gateway whose provider is down: keep following.
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, pause));
  }
  throw new Error(`order ${order.orderId} not terminal after ${deadlineMs} ms: ${JSON.stringify(last)}`);
}
