import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { defineContract } from '../../../../platform/contracts/index.ts';
import type { EventDefinition, EventEnvelope } from '../../../../platform/events/index.ts';
import { createRouter } from '../../../../platform/http/index.ts';
import { defineModule, type Host } from '../../../../platform/host/index.ts';
import { identityContract } from '../../../identity/index.ts';
import { orderConfirmed, orderRejected } from '../../../ordering/index.ts';
import { paymentRefunded } from '../../../payments/index.ts';

/**
 * Stand-ins for ordering and payments that exist only in these tests: a module may publish only the events named
 * after it (the outbox refuses others), so the events notifications consumes come from modules of those names, each
 * with an outbox in its own schema. They go the whole real way: outbox, relay, bus, notifications' inbox.
 */
function standIn(name: 'ordering' | 'payments', events: readonly EventDefinition[]) {
  return defineModule({
    name,
    version: '0.0.0',
    owner: 'tests',
    costCentre: 'cc-test',
    description: `Test stand-in publishing ${name}'s events.`,
    contract: defineContract(name, { routes: {}, events: [...events] }),
    migrations: fileURLToPath(new URL(`./migrations/${name}`, import.meta.url)),
    uses: [identityContract],
    routes: () => createRouter(),
  });
}

export const orderingStandIn = standIn('ordering', [orderConfirmed, orderRejected]);
export const paymentsStandIn = standIn('payments', [paymentRefunded]);

/** Publishes `payload` through the outbox of the stand-in the event is named after, as its owner would. */
export async function publish<E extends EventDefinition>(host: Host, event: E, payload: z.input<E['schema']>): Promise<EventEnvelope> {
  const publisher = host.modules.find((m) => m.definition.name === event.module)?.context;
  if (!publisher) throw new Error(`${event.module} is not hosted`);
  return publisher.transaction((tx) => publisher.outbox.publish(tx, event, payload));
}
