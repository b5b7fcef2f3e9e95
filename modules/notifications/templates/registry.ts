import { eventType, type EventDefinition } from '../../../platform/events/index.ts';
import { templateKey, type MessageTemplate } from './message-template.ts';
import { orderConfirmedV1 } from './order-confirmed.v1.ts';
import { orderRejectedV1 } from './order-rejected.v1.ts';
import { paymentRefundedV1 } from './payment-refunded.v1.ts';

/** Templates by `name@version`, and which one each event type (`ordering.order-confirmed@v1`) is written with. */
export interface TemplateRegistry {
  byKey: ReadonlyMap<string, MessageTemplate>;
  forEvent(event: EventDefinition): MessageTemplate | undefined;
}

/** Refuses two templates under one key, or two for one event type (which would send the customer two messages). */
export function templateRegistry(templates: readonly MessageTemplate[]): TemplateRegistry {
  const byKey = new Map<string, MessageTemplate>();
  const byEvent = new Map<string, MessageTemplate>();
  for (const t of templates) {
    if (byKey.has(templateKey(t))) throw new Error(`Template ${templateKey(t)} is registered twice.`);
    const type = eventType(t.event);
    const other = byEvent.get(type);
    if (other) throw new Error(`Event ${type} has two templates (${templateKey(other)}, ${templateKey(t)}): a customer gets one message per event.`);
    byKey.set(templateKey(t), t);
    byEvent.set(type, t);
  }
  return { byKey, forEvent: (event) => byEvent.get(eventType(event)) };
}

/** The templates in use: one per event notifications subscribes to. */
export const templates: readonly MessageTemplate[] = [orderConfirmedV1, orderRejectedV1, paymentRefundedV1] as MessageTemplate[];
