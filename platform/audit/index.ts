/**
 * @module platform/audit
 * The tamper-evident audit trail every module keeps in its own schema: entries written in the transaction of the
 * action they record, chained by hash, checkpointed with identity's signature, verified from the first entry. Not a
 * log for debugging: pino is; and never a place for secrets.
 */
export { auditOutcomes, canonicalJson, entryHash, genesisHash } from './chain.ts';
export type { AuditOutcome, AuditRecord } from './chain.ts';
export { auditTables } from './tables.ts';
export type { AuditTables } from './tables.ts';
export { auditMigrations } from './migrations.ts';
export { createAuditLog } from './audit-log.ts';
export type { AuditEntry, AuditLog } from './audit-log.ts';
export { createDenialQueue } from './denial-queue.ts';
export type { DenialQueue, DenialQueueOptions } from './denial-queue.ts';
export { createCheckpointer } from './checkpoints.ts';
export type { Checkpointer, CheckpointerOptions, CheckpointSigner } from './checkpoints.ts';
export { checkpointType, verifyCheckpointToken } from './checkpoint-token.ts';
export type { CheckpointClaims } from './checkpoint-token.ts';
export { verifyAuditChain } from './verify.ts';
export type { AuditProblem, AuditReport } from './verify.ts';
export { queryAuditLog } from './query.ts';
export type { AuditQuery, AuditPage } from './query.ts';
