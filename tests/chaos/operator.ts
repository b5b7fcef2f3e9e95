/** What an operator does after an incident, through the hosts' ops endpoints: audit, redrive, replay dead letters. */
import type { AdminAccess } from './access.ts';

/** Where the operator works: a host's ops endpoints, with tokens (scope `operator`) from the identity module. */
export interface OpsTarget {
  hostUrl: string;
  admin: AdminAccess;
}

// The identity host may still be restarting after the last kill of the run.
const tokenPatienceMs = 60_000;

/** `fetch` of an ops endpoint with the operator's token; a token refused (401) is fetched again, once. */
async function ops(target: OpsTarget, path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
  const send = async () =>
    fetch(`${target.hostUrl}${path}`, { ...init, headers: { ...init.headers, authorization: await target.admin.authorization(tokenPatienceMs) } });
  const response = await send();
  if (response.status !== 401) return response;
  await response.body?.cancel();
  target.admin.renew();
  return send();
}

async function json<T>(response: Response, what: string): Promise<T> {
  const body = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${body.slice(0, 500)}`);
  return JSON.parse(body) as T;
}

export interface AuditFigures {
  events: number;
  checked: number;
  missingCount: number;
}

/** `GET /ops/events/audit` on the host of the producer: deliveries of its dispatched events the broker has no trace of. */
export async function audit(target: OpsTarget, producer: string, since: Date): Promise<AuditFigures> {
  const query = new URLSearchParams({ module: producer, since: since.toISOString() });
  return json<AuditFigures>(await ops(target, `/ops/events/audit?${query}`, { signal: AbortSignal.timeout(60_000) }), 'audit');
}

/** `POST /ops/events/redrive` with mode `missing`: re-publishes only what the broker lost. */
export async function redrive(target: OpsTarget, producer: string, since: Date): Promise<{ events: number; republished: number }> {
  const response = await ops(target, '/ops/events/redrive', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ module: producer, since: since.toISOString(), mode: 'missing' }),
    signal: AbortSignal.timeout(120_000),
  });
  return json(response, 'redrive');
}

export interface ReplayFigures {
  /** Dead letters pending before the replay. */
  pending: number;
  handled: number;
  duplicate: number;
  failed: number;
}

/**
 * Replays every pending dead letter of the modules hosted at `target` through `POST /ops/dead-letters/{id}/replay`;
 * `duplicate` means the consumer had handled the event meanwhile (its inbox said so).
 */
export async function replayDeadLetters(target: OpsTarget): Promise<ReplayFigures> {
  const figures: ReplayFigures = { pending: 0, handled: 0, duplicate: 0, failed: 0 };
  const tried = new Set<string>();
  // The list comes a page (100) at a time; a letter whose replay failed stays pending and is not tried twice.
  for (let page = 0; page < 100; page++) {
    const { items } = await json<{ items: { id: string }[] }>(
      await ops(target, '/ops/dead-letters?pending=true', { signal: AbortSignal.timeout(30_000) }),
      'list dead letters',
    );
    const fresh = items.filter((i) => !tried.has(i.id));
    if (fresh.length === 0) break;
    figures.pending += fresh.length;
    for (const { id } of fresh) {
      tried.add(id);
      const response = await ops(target, `/ops/dead-letters/${id}/replay`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
      if (!response.ok) {
        figures.failed += 1;
        await response.body?.cancel();
        continue;
      }
      const { outcome } = (await response.json()) as { outcome: 'handled' | 'duplicate' };
      figures[outcome] += 1;
    }
  }
  return figures;
}
