import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ModuleDefinition } from './define-module.ts';
import { moduleDocument } from './openapi.ts';

/**
 * A fingerprint of a module's public contract: its OpenAPI document and the JSON Schema of every event it
 * publishes. Two builds serve the same contract exactly when their hashes match.
 */
export function contractHash(m: ModuleDefinition): string {
  const events = m.contract.events.map((e) => ({ name: e.name, version: e.version, schema: z.toJSONSchema(e.schema, { unrepresentable: 'any' }) }));
  return createHash('sha256')
    .update(JSON.stringify({ openapi: moduleDocument(m), events }))
    .digest('hex')
    .slice(0, 16);
}
