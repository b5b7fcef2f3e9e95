import type { AdminAccess } from './access.ts';

/** What the client saw. It is never the measure of the result: a request whose answer was lost may have created. */
export interface ClientReport {
  /** Products the API confirmed (201), or confirmed by refusing a retry as a taken SKU (409). */
  confirmed: number;
  /** Requests that failed (connection refused or reset, timeout, 5xx, no token to be had) and were sent again. */
  retried: number;
  /** Products the client gave up on before its deadline. */
  abandoned: number;
}

export interface ClientOptions {
  /** The monolith, which hosts catalog. */
  baseUrl: string;
  /** Tokens for `catalog:write`, from the identity module (which may be down as well). */
  admin: AdminAccess;
  /** Every product's SKU starts with this, so the checker finds them. */
  skuPrefix: string;
  count: number;
  /** The products are spread evenly over this much time. */
  spreadMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** After this, products not yet confirmed are abandoned. */
  deadline: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates `count` products through `POST /catalog/v1/products` while the monolith may be down: a failed request is
 * sent again, with the same SKU, until it is answered. A SKU refused as taken means an earlier attempt created it. A
 * token that cannot be had (identity is down) or is refused (401) counts as a failed request: it is fetched again.
 */
export async function createProducts(options: ClientOptions): Promise<ClientReport> {
  const report: ClientReport = { confirmed: 0, retried: 0, abandoned: 0 };
  const started = Date.now();
  let next = 0;
  const createOne = async (i: number) => {
    const sku = `${options.skuPrefix}-${String(i).padStart(4, '0')}`;
    const body = JSON.stringify({ sku, name: `Chaos product ${i}`, price: { amount: 100 + i, currency: 'EUR' } });
    for (let attempt = 1; Date.now() < options.deadline; attempt++) {
      try {
        const authorization = await options.admin.authorization();
        const response = await fetch(`${options.baseUrl}/catalog/v1/products`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status === 201 || (response.status === 409 && ((await response.json()) as { code?: string }).code === 'catalog/sku-taken')) {
          report.confirmed += 1;
          return;
        }
        if (response.status === 401) options.admin.renew();
        await response.body?.cancel();
      } catch {
        // Refused, reset or timed out: the monolith (catalog's host and identity's) is down or was killed mid-request.
      }
      report.retried += 1;
      await sleep(Math.min(2000, 250 * attempt));
    }
    report.abandoned += 1;
  };
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= options.count) return;
      const due = started + (i * options.spreadMs) / options.count;
      if (due > Date.now()) await sleep(due - Date.now());
      await createOne(i);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return report;
}
