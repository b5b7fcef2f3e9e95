import { z } from '@hono/zod-openapi';
import { anyModule, contractRoute, jsonContent } from '../../../platform/http/index.ts';

const moduleName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a module name');

export const checkpointRequestSchema = z
  .object({ module: moduleName, seq: z.number().int().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex') })
  .strict()
  .openapi('AuditCheckpointRequest');

export const signedCheckpointSchema = z
  .object({ jws: z.string(), kid: z.string() })
  .openapi('SignedAuditCheckpoint', { description: 'A compact JWS (`typ: cleave-audit-checkpoint+jwt`) over the module, seq and hash.' });

const jwkSchema = z.object({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.string(), crv: z.string(), x: z.string(), y: z.string() });

// Access: any module, as itself (no user); the use case signs a module's own chain only, for that module.
export const signCheckpoint = contractRoute({
  method: 'post',
  path: '/identity/v1/audit/checkpoints',
  access: { modules: [anyModule] },
  tags: ['identity'],
  summary: "Sign a module's audit chain head with the identity signing key",
  request: { body: { content: jsonContent(checkpointRequestSchema), required: true } },
  errors: { 403: ['identity/checkpoint-not-yours'] },
  responses: { 200: { description: 'The signed checkpoint', content: jsonContent(signedCheckpointSchema) } },
});

// Access: public (public keys only).
export const auditKeys = contractRoute({
  method: 'get',
  path: '/identity/v1/audit/keys',
  access: 'public',
  tags: ['identity'],
  summary: 'Every public key identity ever signed with, retired ones included, to verify old audit checkpoints',
  responses: { 200: { description: 'A JWK set', content: jsonContent(z.object({ keys: z.array(jwkSchema) })) } },
});
