import { z } from 'zod';

/** How every event travels: identity, ordering key, causality and trace context around the payload. */
export const envelopeSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime(),
  key: z.string(),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  traceparent: z.string().nullable(),
  payload: z.unknown(),
});

export type EventEnvelope<P = unknown> = Omit<z.infer<typeof envelopeSchema>, 'payload'> & { payload: P };
