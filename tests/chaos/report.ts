import type { ChaosRunReport } from './run.ts';
import { targets } from './topology.ts';

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** The figures of one run as a compact two-column table, for CI logs and the README. */
export function formatReport(r: ChaosRunReport): string {
  const m = r.final;
  const letters = (module: 'inventory' | 'probe') => {
    const x = r.replayed[module];
    return `${module} ${m.deadLetters[module].total}/${x.handled + x.duplicate}${x.failed ? ` (${x.failed} replays failed)` : ''}`;
  };
  const rows: [string, string][] = [
    ['seed', `${r.seed} (replay: CHAOS_SEED=${r.seed} npm run test:chaos)`],
    ['persistence', r.persistence === 'aof-always' ? 'Redis appendonly yes, appendfsync always' : 'Redis without persistence (restarts empty)'],
    ['duration', `${seconds(r.durationMs)} (load ${seconds(r.loadMs)}, settle and repair ${seconds(r.settleMs)})${r.quiet ? '' : ', NOT QUIET'}`],
    ['products created', `${m.products} (client: ${r.client.confirmed} confirmed, ${r.client.retried} retries, ${r.client.abandoned} abandoned)`],
    ['stock items', String(m.stockItems)],
    ['probe effects', String(m.probeEffects)],
    ['kills', targets.map((t) => `${t} ${r.killsPerTarget[t]}`).join(', ')],
    ['redis restarts', String(r.killsPerTarget.redis)],
    ['double stall', `${r.doubleStall.outcome}${r.doubleStall.eventId ? `, ${r.doubleStall.effects} effect after replay` : ''}`],
    ['dead-lettered / replayed', `${letters('inventory')}, ${letters('probe')}`],
    [
      'not delivered before repair',
      `${r.lostBeforeRepair} (${r.lostBeforeRepair - r.unaccountedBeforeRepair} held in dead letters, ${r.unaccountedBeforeRepair} unaccounted)`,
    ],
    [
      'audit missing before / after redrive',
      r.auditAfter === undefined ? `${r.auditBefore} / no redrive needed` : `${r.auditBefore} / ${r.auditAfter} (${r.republished ?? 0} re-published)`,
    ],
    ['lost', String(r.lost)],
    ['duplicated', String(r.duplicated)],
    [
      'stuck',
      `${r.stuck} (outbox ${m.outboxPending}, jobs ${m.queues.inventory.unfinished + m.queues.probe.unfinished}, failed jobs ${m.queues.inventory.failed + m.queues.probe.failed}, dead letters pending ${m.deadLetters.inventory.pending + m.deadLetters.probe.pending})`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}
