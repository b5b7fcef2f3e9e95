import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Host } from '../../../platform/host/index.ts';
import type { TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, eventually, startTestHost } from '../../../tests/support/test-host.ts';
import type { CartDto, OrderDto } from '../index.ts';

/** Every module of the application over `database`, with the demo data (alice) and the password grant for tokens. */
export async function startShop(database: TestDatabaseHandle, env: Record<string, string> = {}): Promise<Host> {
  const host = await startTestHost({ database, env: { IDENTITY_PASSWORD_GRANT: 'true', ...env } });
  await host.seed();
  return host;
}

async function passwordToken(host: Host, username: string, password: string): Promise<string> {
  const response = await host.app.request('/identity/v1/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'cleave-web', username, password }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token for ${username}: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A signed-in customer: `alice` of the demo data, or a new customer signed up under `name`. */
export interface Customer {
  call(method: string, path: string, body?: unknown): Promise<Response>;
  token: string;
}

export async function customer(host: Host, name: string): Promise<Customer> {
  let token: string;
  if (name === 'alice') token = await passwordToken(host, 'alice', 'alice-demo-password');
  else {
    const username = `${name}-${randomUUID().slice(0, 6)}`;
    const password = 'a-long-enough-test-password';
    const signedUp = await host.app.request('/identity/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(signedUp.status).toBe(201);
    token = await passwordToken(host, username, password);
  }
  return { token, call: (method, path, body) => call(host, method, path, body, { authorization: `Bearer ${token}` }) };
}

/** A new active product at `price` (minor units, EUR) with `units` in stock. */
export async function stockedProduct(host: Host, units: number, price = 1250): Promise<string> {
  const created = await call(host, 'POST', '/catalog/v1/products', {
    sku: `ORD-${randomUUID().slice(0, 8)}`,
    name: 'Teapot',
    price: { amount: price, currency: 'EUR' },
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200), 15_000);
  if (units > 0) expect((await call(host, 'POST', `/inventory/v1/stock/${id}/receipts`, { quantity: units })).status).toBe(200);
  return id;
}

export async function stockOf(host: Host, productId: string): Promise<{ onHand: number; reserved: number; available: number }> {
  return (await (await call(host, 'GET', `/inventory/v1/stock/${productId}`)).json()) as { onHand: number; reserved: number; available: number };
}

/** A cart of `who` holding `lines` (product id → quantity). */
export async function cartWith(who: Customer, lines: Record<string, number>): Promise<CartDto> {
  const created = await who.call('POST', '/ordering/v1/carts');
  expect(created.status).toBe(201);
  let cart = (await created.json()) as CartDto;
  for (const [productId, quantity] of Object.entries(lines)) {
    const put = await who.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${productId}`, { quantity });
    expect(put.status).toBe(200);
    cart = (await put.json()) as CartDto;
  }
  return cart;
}

/** Checks the cart out (202) and returns the order's id. */
export async function checkOut(who: Customer, cartId: string): Promise<string> {
  const accepted = await who.call('POST', `/ordering/v1/carts/${cartId}/checkout`);
  expect(accepted.status).toBe(202);
  const body = (await accepted.json()) as { orderId: string; href: string };
  expect(accepted.headers.get('location')).toBe(body.href);
  return body.orderId;
}

/** Follows the order until its status is `status`, as a client would. */
export async function orderReaching(who: Customer, orderId: string, status: OrderDto['status'], timeoutMs = 30_000): Promise<OrderDto> {
  return eventually(async () => {
    const response = await who.call('GET', `/ordering/v1/orders/${orderId}`);
    expect(response.status).toBe(200);
    const order = (await response.json()) as OrderDto;
    expect(order.status).toBe(status);
    return order;
  }, timeoutMs);
}
