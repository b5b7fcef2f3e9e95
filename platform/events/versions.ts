import type { EventDefinition } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';

/**
 * The envelopes one outbox row goes out as: the version written, then each earlier version its definition can be
 * downcast to (converted by the producer and checked against that version's schema), all with the same event id.
 * An event whose definition is unknown here goes out as written.
 */
export function publishedVersions(envelope: EventEnvelope, definitions: readonly EventDefinition[]): EventEnvelope[] {
  const out = [envelope];
  let definition = definitions.find((d) => d.name === envelope.name && d.version === envelope.version);
  let payload = envelope.payload;
  while (definition?.downcast) {
    const { to, convert } = definition.downcast;
    payload = to.schema.parse(convert(payload));
    out.push({ ...envelope, version: to.version, payload });
    definition = to;
  }
  return out;
}
