import { createRouter, principalOf, type App } from '../../../platform/http/index.ts';
import { endUserOf } from '../../../platform/security/index.ts';
import { checkOutCart } from '../application/check-out-cart.ts';
import { createCart } from '../application/create-cart.ts';
import { customerOf } from '../application/customer-of.ts';
import { getCart } from '../application/get-cart.ts';
import { getOrder } from '../application/get-order.ts';
import { listOrders } from '../application/list-orders.ts';
import type { OrderingDeps } from '../application/ordering-deps.ts';
import { removeCartLine } from '../application/remove-cart-line.ts';
import { setCartLine } from '../application/set-cart-line.ts';
import * as routes from '../contract/ordering.routes.ts';
import { cartDto, orderDto, orderSummaryDto } from './ordering.dtos.ts';

/** The customer behind the request's token (or the one a calling module acts for). */
const customer = () => customerOf(endUserOf(principalOf()));

/** Ordering's HTTP surface: each handler reads its validated input, calls one use case and maps the result. */
export function orderingRoutes(deps: OrderingDeps): App {
  const app = createRouter();

  app.openapi(routes.createCart, async (c) => c.json(cartDto(await createCart(deps, customer())), 201));

  app.openapi(routes.getCart, async (c) => c.json(cartDto(await getCart(deps, customer(), c.req.valid('param').cartId)), 200));

  app.openapi(routes.setCartLine, async (c) => {
    const { cartId, productId } = c.req.valid('param');
    return c.json(cartDto(await setCartLine(deps, customer(), { cartId, productId, quantity: c.req.valid('json').quantity })), 200);
  });

  app.openapi(routes.removeCartLine, async (c) => {
    const { cartId, productId } = c.req.valid('param');
    return c.json(cartDto(await removeCartLine(deps, customer(), cartId, productId)), 200);
  });

  app.openapi(routes.checkOutCart, async (c) => {
    const { orderId, status } = await checkOutCart(deps, customer(), c.req.valid('param').cartId);
    const href = `/ordering/v1/orders/${orderId}`;
    c.header('Location', href);
    return c.json({ orderId, status, href }, 202);
  });

  app.openapi(routes.listOrders, async (c) => {
    const page = await listOrders(deps, customer(), c.req.valid('query'));
    return c.json({ items: page.items.map(orderSummaryDto), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(routes.getOrder, async (c) => c.json(orderDto(await getOrder(deps, customer(), c.req.valid('param').orderId)), 200));

  return app;
}
