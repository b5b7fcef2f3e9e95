import { createHash } from 'node:crypto';
import { quoteIdentifier as ident, type Migration } from '../db/index.ts';
import { genesisHash } from './chain.ts';

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * The audit trail's tables in `schema`, applied by the host beside the module's own migrations (recorded in the same
 * `__migrations` table under `platform-audit-*` tags). Append-only twice over: UPDATE, DELETE and TRUNCATE are revoked
 * from everyone, the migrating role included (the application's role on PostgreSQL); and a trigger refuses them even
 * for a superuser, unless the table's owner disables it, which is what an attacker would have to do.
 */
export function auditMigrations(schema: string): Migration[] {
  const s = ident(schema);
  const statements = [
    `CREATE TABLE ${s}."audit_log" (
      "seq" bigint PRIMARY KEY NOT NULL,
      "at" timestamp with time zone NOT NULL,
      "actor_user" text, "actor_module" text, "actor_client" text,
      "action" text NOT NULL, "target" text,
      "outcome" text NOT NULL CHECK ("outcome" IN ('success', 'failure', 'denied')),
      "request_id" text, "correlation_id" text,
      "detail" jsonb NOT NULL,
      "prev_hash" text NOT NULL, "hash" text NOT NULL)`,
    `CREATE INDEX "audit_log_action_idx" ON ${s}."audit_log" ("action", "seq")`,
    `CREATE INDEX "audit_log_at_idx" ON ${s}."audit_log" ("at")`,
    `CREATE INDEX "audit_log_actor_idx" ON ${s}."audit_log" ("actor_user", "seq")`,
    `CREATE TABLE ${s}."audit_head" ("id" smallint PRIMARY KEY NOT NULL CHECK ("id" = 1), "seq" bigint NOT NULL, "hash" text NOT NULL)`,
    `INSERT INTO ${s}."audit_head" ("id", "seq", "hash") VALUES (1, 0, ${literal(genesisHash(schema))})`,
    `CREATE TABLE ${s}."audit_checkpoints" ("seq" bigint PRIMARY KEY NOT NULL, "hash" text NOT NULL, "at" timestamp with time zone NOT NULL, "kid" text NOT NULL, "jws" text NOT NULL)`,
    `CREATE FUNCTION ${s}."audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit/append-only: % on %.% is refused; the audit trail is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '42501'; END $$`,
    ...['audit_log', 'audit_checkpoints'].flatMap((table) => [
      `CREATE TRIGGER "${table}_no_change" BEFORE UPDATE OR DELETE ON ${s}."${table}" FOR EACH ROW EXECUTE FUNCTION ${s}."audit_append_only"()`,
      `CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON ${s}."${table}" FOR EACH STATEMENT EXECUTE FUNCTION ${s}."audit_append_only"()`,
      `REVOKE UPDATE, DELETE, TRUNCATE ON ${s}."${table}" FROM PUBLIC, CURRENT_USER`,
    ]),
  ];
  const text = statements.join('\n');
  return [{ tag: 'platform-audit-0000', hash: createHash('sha256').update(text).digest('hex'), statements }];
}
