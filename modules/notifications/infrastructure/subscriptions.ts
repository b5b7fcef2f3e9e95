import { eventType, subscribe, type EventDefinition, type Subscription } from '../../../platform/events/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { recordMessage } from '../application/record-message.ts';
import type { TemplateRegistry } from '../templates/registry.ts';
import { notificationsDeps } from './notifications-runtime.ts';

/**
 * One handler per event notifications writes to customers about, each with its template. A subscribed event without
 * a template is refused here, when the module is defined (so at start-up), never at the first event. The handler's
 * name follows the template's name, not its version: a new template version keeps the consumer, and its inbox.
 */
export function notificationSubscriptions(events: readonly EventDefinition[], registry: TemplateRegistry): Subscription<EventDefinition, ModuleContext>[] {
  const missing = events.filter((e) => !registry.forEvent(e)).map((e) => eventType(e));
  if (missing.length > 0) throw new Error(`notifications subscribes to ${missing.join(', ')} but has no template for ${missing.length > 1 ? 'them' : 'it'}.`);
  return events.map((event) => {
    const template = registry.forEvent(event);
    if (!template) throw new Error(`No template for ${eventType(event)}.`);
    return subscribe<EventDefinition, ModuleContext>(event, `notify-${template.name}`, async (_payload, { tx, envelope, context, log }) => {
      const id = await recordMessage(notificationsDeps(context), tx, template, envelope);
      log.info({ messageId: id, template: template.name }, id ? 'message recorded' : 'message already recorded for this event');
    });
  });
}
