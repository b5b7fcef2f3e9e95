import type { EventDefinition, EventPayload } from '../../../platform/events/index.ts';
import type { RenderedMessage } from '../domain/message.ts';

/**
 * A message template: for one event type and version, what to write to the customer. Templates are versioned on
 * their own (`order-confirmed@1`): a changed wording is a new version, and the message keeps the one it was made with.
 */
export interface MessageTemplate<E extends EventDefinition = EventDefinition> {
  name: string;
  version: number;
  event: E;
  /** The customer (identity user id) the message goes to. */
  customerOf(payload: EventPayload<E>): string;
  /** What the message is about (an order id), shown beside it. */
  referenceOf(payload: EventPayload<E>): string;
  render(payload: EventPayload<E>): RenderedMessage;
}

/** `order-confirmed@1`. */
export const templateKey = (t: { name: string; version: number }) => `${t.name}@${t.version}`;

/** Declares a template; the types of `render`'s payload come from the event. */
export function defineTemplate<E extends EventDefinition>(template: MessageTemplate<E>): MessageTemplate<E> {
  if (!/^[a-z][a-z0-9-]*$/.test(template.name) || !Number.isInteger(template.version) || template.version < 1)
    throw new Error(`Template ${template.name}@${template.version}: a kebab-case name and an integer version ≥ 1, please.`);
  return template;
}
