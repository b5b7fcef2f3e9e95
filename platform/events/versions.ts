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
    try {
      payload = to.schema.parse(convert(payload));
    } catch (error) {
      throw new EventConversionError(envelope, to.version, error);
    }
    out.push({ ...envelope, version: to.version, payload });
    definition = to;
  }
  return out;
}

/**
 * An outbox row the producer cannot convert to an older version it still serves (its `downcast` throws, or its result
 * fails that version's schema): a defect of the producer's code, not of the bus. The row waits in the outbox, for
 * every version, until a release fixes the conversion; it is never sent to some consumers and not others.
 */
export class EventConversionError extends Error {
  constructor(envelope: EventEnvelope, version: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${envelope.name} v${envelope.version} (event ${envelope.id}) cannot be converted to v${version}: ${reason.slice(0, 500)}`, { cause });
    this.name = 'EventConversionError';
  }
}

/**
 * A payload stored at `version`, read as `definition`'s version: each `upcast` step from the stored version up converts
 * one version and is checked against the schema it arrives at (the mirror of `publishedVersions`, for event-sourced
 * streams, which keep every version they ever stored).
 */
export function upcastPayload(definition: EventDefinition, version: number, payload: unknown): unknown {
  const steps: EventDefinition[] = [];
  let at: EventDefinition | undefined = definition;
  while (at && at.version > version) {
    steps.unshift(at);
    at = at.upcast?.from;
  }
  if (!at || at.version !== version) throw new Error(`${definition.name} v${version} cannot be read as v${definition.version}: no upcast from it.`);
  let value = at.schema.parse(payload);
  for (const step of steps) value = step.schema.parse(step.upcast?.convert(value));
  return value;
}
