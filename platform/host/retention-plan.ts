import { parseRetention, type TableData } from '../compliance/index.ts';
import type { Config } from '../config/index.ts';
import type { ModuleDefinition } from './define-module.ts';
import { declaredTables, type DeclaredBy } from './platform-data.ts';

/** What the retention job does to one table's rows past their retention. */
export type RetentionAction = 'delete' | 'anonymise';

/** A table the retention job works on: rows whose `agedBy` is older than the retention are deleted or anonymised. */
export interface RetentionRule {
  table: string;
  /** The retention as people read it (`7 days`, `10 years`), with the setting it comes from, if any. */
  retention: string;
  /** The age as the database counts it: a PostgreSQL interval (`10 years`) or milliseconds (from a setting). */
  age: { interval: string } | { ms: number };
  /** The timestamp column rows age from; for a row that goes with its owner, the owner's (`sagas.ended_at`). */
  agedBy: string;
  action: RetentionAction;
  /** For `anonymise`: each column with the value it is set to. */
  anonymise: Record<string, string | null>;
  /** Only rows whose columns hold one of these values age (empty: every row). */
  onlyWhen: Record<string, string[]>;
  /** Rows go once the row they belong to is gone (`column` = `table.references`), after that table's rule ran. */
  belongsTo?: { table: string; column: string; references: string };
  declaredBy: DeclaredBy;
}

/** A declared table the job leaves alone, and why (kept indefinitely, or no `agedBy` to count age from). */
export interface KeptTable {
  table: string;
  retention: string;
  reason: string;
  declaredBy: DeclaredBy;
}

export interface RetentionPlan {
  rules: RetentionRule[];
  kept: KeptTable[];
}

/** The delivery tables' retentions come from settings (they existed before declarations), unless the module declares its own. */
const settings = {
  outbox: ['OUTBOX_RETENTION', 'outboxMs'],
  inbox: ['INBOX_RETENTION', 'inboxMs'],
  dead_letters: ['DEAD_LETTER_RETENTION', 'deadLetterMs'],
} as const;

const day = 86_400_000;

/** A duration in milliseconds as people read it: `7d`, `36h`, `90000 ms`. */
function readable(ms: number): string {
  if (ms % day === 0) return `${ms / day}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${ms} ms`;
}

function ruleOf(table: string, data: TableData, declaredBy: DeclaredBy, config: Config): RetentionRule | KeptTable {
  const parsed = parseRetention(data.retention);
  if (parsed.kind === 'indefinite') return { table, retention: `indefinite: ${parsed.reason}`, reason: 'kept indefinitely', declaredBy };
  if (data.belongsTo) {
    // Placeholder age: `withOwners` gives it the owner's, or keeps the table when the owner is not deleted by age.
    return {
      table,
      retention: parsed.interval,
      age: { interval: parsed.interval },
      agedBy: '',
      action: 'delete',
      anonymise: {},
      onlyWhen: {},
      belongsTo: data.belongsTo,
      declaredBy,
    };
  }
  if (!data.agedBy) {
    const reason =
      table === 'idempotency_keys'
        ? 'expired by the idempotency store (IDEMPOTENCY_KEY_TTL)'
        : 'not enforced: declare agedBy, the timestamp column a row ages from';
    return { table, retention: parsed.interval, reason, declaredBy };
  }
  const setting = declaredBy === 'platform' && table in settings ? settings[table as keyof typeof settings] : undefined;
  const ms = setting ? config.retention[setting[1]] : undefined;
  const anonymise = typeof data.onExpiry === 'object' ? data.onExpiry.anonymise : undefined;
  return {
    table,
    retention: setting && ms !== undefined ? `${readable(ms)} (${setting[0]})` : parsed.interval,
    age: ms !== undefined ? { ms } : { interval: parsed.interval },
    agedBy: data.agedBy,
    action: anonymise ? 'anonymise' : 'delete',
    anonymise: anonymise ?? {},
    onlyWhen: Object.fromEntries(Object.entries(data.onlyWhen ?? {}).map(([column, values]) => [column, [...values]])),
    declaredBy,
  };
}

/**
 * Rows that belong to another table's rows go after that table's rule, named by its age (`sagas.ended_at`); when
 * the owner is not deleted by age (kept, anonymised, not declared), nothing would ever remove them: kept, saying why.
 */
function withOwners(plan: RetentionPlan): RetentionPlan {
  const own = plan.rules.filter((r) => !r.belongsTo);
  const belonging = plan.rules.filter((r) => r.belongsTo);
  const rules = [...own];
  const kept = [...plan.kept];
  for (const rule of belonging) {
    const owner = own.find((r) => r.table === rule.belongsTo?.table && r.action === 'delete');
    if (owner) rules.push({ ...rule, retention: `with its ${owner.table} row (${owner.retention})`, agedBy: `${owner.table}.${owner.agedBy}` });
    else
      kept.push({
        table: rule.table,
        retention: rule.retention,
        reason: `not enforced: belongs to ${rule.belongsTo?.table ?? '?'}, whose rows are not deleted by age`,
        declaredBy: rule.declaredBy,
      });
  }
  return { rules, kept };
}

/**
 * What the retention job of `module` does: each declared table (the platform's defaults, projections', the module's
 * own) with a finite retention and an `agedBy` column becomes a rule; the rest are listed as kept, with the reason.
 */
export function retentionPlan(module: ModuleDefinition, config: Config): RetentionPlan {
  const plan: RetentionPlan = { rules: [], kept: [] };
  for (const [table, { data, declaredBy }] of [...declaredTables(module)].sort(([a], [b]) => a.localeCompare(b))) {
    const entry = ruleOf(table, data, declaredBy, config);
    if ('agedBy' in entry) plan.rules.push(entry);
    else plan.kept.push(entry);
  }
  return withOwners(plan);
}
