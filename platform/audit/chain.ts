import { createHash } from 'node:crypto';

/** How an audited action ended. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

export const auditOutcomes: readonly AuditOutcome[] = ['success', 'failure', 'denied'];

/** One entry of a module's audit trail, as stored and as hashed. */
export interface AuditRecord {
  /** Position in the module's chain: 1, 2, 3… with no gaps (a gap is a missing entry). */
  seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  /** The end user (or machine client) the action was done by or for. */
  actorUser: string | null;
  /** The module that called, when a module did. */
  actorModule: string | null;
  /** The OAuth client the caller's token was issued to. */
  actorClient: string | null;
  /** Namespaced: `identity.login`, `inventory.stock-received`, `platform.access-denied`. */
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  correlationId: string | null;
  /** What else matters about the action; never a secret. */
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The hash before a module's first entry: chains of different modules never match each other. */
export function genesisHash(module: string): string {
  return sha256(`cleave-audit-genesis:${module}`);
}

/**
 * The hash of an entry: SHA-256 (hex) over the previous hash and a canonical JSON of every field but the hash (keys
 * sorted at every depth), so the stored value can be recomputed from the row alone.
 */
export function entryHash(record: Omit<AuditRecord, 'hash'>): string {
  const { prevHash, ...fields } = record;
  return sha256(`${prevHash}\n${canonicalJson(fields)}`);
}

/** JSON with object keys sorted at every depth and `undefined` members left out: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
