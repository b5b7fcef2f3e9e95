/**
 * `npm run audit -- verify [--module m]`: the operator's check of the audit trail. Walks each module's chain from its
 * first entry (seq continuity, links, hashes) and its checkpoints (identity's signature, and the chain's hash at
 * each), from the databases directly or through a running host (`--url`). Prints one report per module.
 * Exit codes: 0 every chain intact, 1 a chain is tampered or has missing entries, 2 bad usage, 3 could not read (or a
 * module has no audit tables yet).
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import type { JSONWebKeySet } from 'jose';
import { loadModules } from '../../apps/load-modules.ts';
import { signingKeyHistory } from '../../modules/identity/index.ts';
import { auditMigrations, auditTables, verifyAuditChain, type AuditReport } from '../../platform/audit/index.ts';
import { ignoreClosedOutput, parseCommandLine, usageError } from '../../platform/cli/index.ts';
import { loadConfigOrExit, readEnvironment } from '../../platform/config/index.ts';
import { pendingMigrations } from '../../platform/db/index.ts';
import { hostedModules, offlineRefusal, openExistingModuleDatabases } from '../../platform/host/index.ts';
import { toCommand, usage, type AuditCommand } from './args.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`audit: ${message}\n`);
  process.exit(code);
}

const parsed = parseCommandLine({
  name: 'audit',
  usage,
  positionals: true,
  options: { module: { type: 'string' }, url: { type: 'string' }, jwks: { type: 'string' }, offline: { type: 'boolean' } },
});
const modules = await loadModules('audit');
let command: AuditCommand;
try {
  command = toCommand(
    parsed.positionals,
    parsed.values,
    modules.map((m) => m.name),
  );
} catch (error) {
  usageError({ name: 'audit', usage }, error instanceof Error ? error.message : String(error));
}

async function overHttp(url: string): Promise<AuditReport[]> {
  const token = process.env.CLEAVE_TOKEN;
  let response: Response;
  try {
    response = await fetch(`${url}/ops/audit/verify${command.module ? `?module=${encodeURIComponent(command.module)}` : ''}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(300_000),
    });
  } catch (error) {
    fail(`could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`, 3);
  }
  const body = (await response.json().catch(() => undefined)) as { reports?: AuditReport[]; code?: string; detail?: string } | undefined;
  if (response.status === 401 || response.status === 403) fail(`the host answered ${response.status}: set CLEAVE_TOKEN to an operator access token`, 3);
  if (!response.ok || !body?.reports) fail(`the host answered ${response.status}${body?.code ? ` ${body.code}` : ''}: ${body?.detail ?? ''}`, 3);
  return body.reports;
}

async function fromDatabases(): Promise<AuditReport[]> {
  const config = loadConfigOrExit(readEnvironment(), { command: 'audit' });
  const local = hostedModules(config, modules);
  const chosen = local.filter((m) => command.module === undefined || m.name === command.module);
  if (chosen.length === 0) fail(`module ${command.module} is not configured to run here (MODULES / REMOTE_MODULES)`, 2);
  const refusal = command.offline ? offlineRefusal(config, chosen) : undefined;
  if (refusal) fail(refusal, 2);
  const embedded = chosen.some((m) => !config.database.moduleUrls[m.name] && !config.database.url);
  if (embedded && !command.offline)
    fail(`embedded PGlite (${config.database.dataDir}) belongs to one process: ask the running host (--url), or stop it and pass --offline`, 2);
  const identity = modules.find((m) => m.name === 'identity');
  const opened = command.jwks || !identity || chosen.includes(identity) ? chosen : [...chosen, identity];
  // Reading creates nothing: no empty PGlite directory, no role or schema (a missing database is said so).
  const databases = await openExistingModuleDatabases(config, opened);
  try {
    const keys: JSONWebKeySet = command.jwks
      ? (JSON.parse(readFileSync(command.jwks, 'utf8')) as JSONWebKeySet)
      : await signingKeyHistory(databases.of('identity').db);
    const reports: AuditReport[] = [];
    for (const m of chosen) {
      const db = databases.of(m.name).db;
      if ((await pendingMigrations(db, m.name, auditMigrations(m.name))) > 0) {
        unmigrated.push(m.name);
        continue;
      }
      reports.push(await verifyAuditChain(db, m.name, auditTables(m.name), keys));
    }
    return reports;
  } finally {
    await databases.close();
  }
}

/** Modules whose schema has no audit trail yet: nothing to verify, which is not the same as intact. */
const unmigrated: string[] = [];
let reports: AuditReport[];
try {
  reports = command.url ? await overHttp(command.url) : await fromDatabases();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), 3);
}
for (const r of reports) {
  const line = r.ok
    ? `${r.module}: intact, ${r.entries} entries, ${r.checkpoints} checkpoints, signed up to entry ${r.lastCheckpointSeq}`
    : `${r.module}: ${r.problem?.kind} at entry ${r.problem?.seq}: ${r.problem?.message}`;
  process.stdout.write(`${line}\n`);
}
for (const m of unmigrated) process.stdout.write(`${m}: no audit trail in its database yet (run npm run db:migrate)\n`);
process.exit(!reports.every((r) => r.ok) ? 1 : unmigrated.length > 0 ? 3 : 0);
